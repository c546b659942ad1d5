"""What the feedback folder of a student may contain."""

from helpers.instructor.feedback import remove_written_files


def test_feedback_keeps_html_and_submitted_files_only(tmp_path):
    submitted = tmp_path / "submitted" / "dave" / "01-neurons"
    feedback = tmp_path / "feedback" / "dave" / "01-neurons"
    for folder in (submitted, feedback / "plots"):
        folder.mkdir(parents=True)
    (submitted / "01-neurons.ipynb").write_text("{}")
    (submitted / "sketch.png").write_bytes(b"png")
    (feedback / "01-neurons.html").write_text("<html></html>")
    (feedback / "sketch.png").write_bytes(b"png")
    (feedback / "gradebook.db").write_bytes(b"written while graded")
    (feedback / "plots" / "loss.npy").write_bytes(b"written while graded")

    removed = remove_written_files(feedback, submitted)

    assert sorted(path.name for path in removed) == ["gradebook.db", "loss.npy"]
    assert sorted(path.name for path in feedback.iterdir()) == ["01-neurons.html", "sketch.png"]
