"""nbgrader settings for this course. Run nbgrader commands from this folder."""

c = get_config()  # noqa: F821 - nbgrader's config loader defines get_config

# Instructor notebooks live in solutions/, and generate_assignment writes the student
# release to course/, so that students can clone the repository and open course/.
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "course"

# Notebooks import TensorFlow and train small models. The slowest cell, the CNN training of
# 08-cnns, took 78 s under nbval on two idle CPU cores (less while grading, which trains less),
# so nbgrader's default of 30 s per cell is too short. A runaway cell still stops after this
# many seconds.
c.Execute.timeout = 180
c.Execute.kernel_name = "python3"
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# A student who deletes a locked test cell gets it back at grading time instead of
# silently losing its points or dodging its test.
c.OverwriteCells.add_missing_cells = True

# Grading hardening (helpers/instructor/preprocessors.py): before nbgrader restores the
# locked cells, RepairSubmission matches the cells of a submission to the release, also
# when another editor dropped their metadata, and withholds answer cells that could tamper
# with the tests. GradingExecute runs every kernel with a memory limit and a filesystem
# sandbox, gives answer and test cells a 60 s timeout, and caps each cell's output.
# Feedback hides the code and messages of hidden tests and opens with a table of results.
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties,
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)

from helpers.instructor.preprocessors import (  # noqa: E402
    FeedbackSummary,
    GradingExecute,
    HideHiddenTests,
    RepairSubmission,
)

c.Autograde.sanitize_preprocessors = [
    ClearOutput,
    RepairSubmission,
    DeduplicateIds,
    OverwriteKernelspec,
    OverwriteCells,
    CheckCellMetadata,
]
c.Autograde.autograde_preprocessors = [
    GradingExecute,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, FeedbackSummary, CSSHTMLHeaderPreprocessor]
c.GradingExecute.graded_cell_timeout = 60
c.GradingKernelManager.memory_limit = 6 * 2**30
# Graded kernels are discarded, so they are killed after the last cell instead of being
# asked to shut down, which saves about a second per notebook.
c.GradingExecute.shutdown_kernel = "immediate"
