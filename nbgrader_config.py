"""nbgrader settings for this course. Run nbgrader commands from this folder."""

c = get_config()  # noqa: F821 - nbgrader's config loader defines get_config

# Instructor notebooks live in solutions/, and generate_assignment writes the student
# release to course/, so that students can clone the repository and open course/.
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "course"

# Notebooks import TensorFlow and train small models. The slowest cell takes about
# 20 s on two CPU cores, and nbgrader's default of 30 s per cell leaves too little room on a
# loaded grading machine. A runaway answer still stops after this many seconds.
c.Execute.timeout = 180
c.Execute.kernel_name = "python3"
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# A student who deletes a locked test cell gets it back at grading time instead of
# silently losing its points or dodging its test.
c.OverwriteCells.add_missing_cells = True
