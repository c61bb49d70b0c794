"""nbgrader configuration of the chainrule course; run nbgrader commands from this folder."""
c = get_config()  # noqa: F821  (provided by nbgrader)

c.CourseDirectory.course_id = "chainrule"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.submitted_directory = "autograde/submitted"
c.CourseDirectory.autograded_directory = "autograde/autograded"
c.CourseDirectory.feedback_directory = "autograde/feedback"
c.CourseDirectory.solution_directory = "autograde/solution"
c.CourseDirectory.source_with_tests_directory = "autograde/source_with_tests"
c.CourseDirectory.db_url = "sqlite:///autograde/gradebook.db"

# Grading: a cell that runs forever is cut off and costs only its own points.
c.Execute.timeout = 30  # seconds per cell; a solution notebook needs a few in all
c.Execute.interrupt_on_timeout = True
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 60
# Deleted test cells come back from the gradebook, so they are graded anyway.
c.OverwriteCells.add_missing_cells = True
# Messages on stderr make nbgrader score a test cell 0. The checks capture
# learner warnings themselves; these patterns drop what may still slip through:
# NumPy/Python warning lines and matplotlib's font-cache notice.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(RuntimeWarning|DeprecationWarning|UserWarning|Matplotlib is building the font cache)"

c.ClearSolutions.code_stub = {
    "python": 'raise NotImplementedError("Write your implementation here.")',
}

# Grades are decided outside the learner's kernel (see docs/grading.md): instead
# of nbgrader's Execute, SandboxedGrades runs the answer cells in a separate,
# limited process and the hidden tests in nbgrader's own process; SaveAutoGrades
# then scores the test cells from the verdicts it writes as their outputs.
# CheckCellMetadata is nbgrader's, with its JSON schema's validator made once per process.
from chainrule_reference.nbgrader_plugin import CheckCellMetadata, RestoreCells, SandboxedGrades  # noqa: E402
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (AssignLatePenalties, DeduplicateIds, IgnorePattern, LimitOutput,  # noqa: E402
                                    OverwriteKernelspec, SaveAutoGrades)

# A test cell given another grade id is put back like a deleted one (RestoreCells). In place of
# ClearOutput, KeepLearnerOutputs (after RestoreCells: the gradebook says which cells are graded)
# clears the graded cells and keeps, for the feedback, the learner's own outputs of the others,
# filtered to text, PNG figures and errors as text (chainrule_reference.feedback, docs/grading.md).
from chainrule_reference.feedback import KeepLearnerOutputs  # noqa: E402

c.Autograde.sanitize_preprocessors = [DeduplicateIds, OverwriteKernelspec, RestoreCells, KeepLearnerOutputs,
                                      CheckCellMetadata]

c.Autograde.autograde_preprocessors = [SandboxedGrades, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                       SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
c.SandboxedGrades.cell_timeout = 10  # seconds per answer cell
c.SandboxedGrades.test_timeout = 30  # seconds per hidden test, all its cases
c.SandboxedGrades.notebook_timeout = 300  # seconds for a whole notebook: cells, restarts and tests

# Only regular files cross from learners to the instructor, and the feedback holds no learner script
# (chainrule_reference.exchange, docs/grading.md). `nbgrader collect` copies regular files only:
# links, devices, pipes and sockets in a submission are refused with a warning naming them.
# `nbgrader autograde` and `generate_feedback` refuse a notebook whose folder holds one (nbgrader
# would follow a link with the instructor's rights). Feedback and formgrader pages render markdown
# without scripts, event handlers or javascript: links, and outputs through nbconvert's sanitizer.
from chainrule_reference.exchange import RegularFilesOnly  # noqa: E402
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

c.ExchangeFactory.collect = "chainrule_reference.exchange.RegularFilesCollect"
c.Autograde.sanitize_preprocessors = [RegularFilesOnly, *c.Autograde.sanitize_preprocessors]
c.GenerateFeedback.preprocessors = [RegularFilesOnly, GetGrades, CSSHTMLHeaderPreprocessor]
c.HTMLExporter.sanitize_html = True
# nbconvert checks a notebook against the schema after each preprocessor (a dozen times a graded notebook);
# its own option checks it once, after the last, which still refuses a notebook a preprocessor broke.
c.Exporter.optimistic_validation = True
c.HTMLExporter.filters = {"markdown2html": "chainrule_reference.exchange.safe_markdown2html"}

# The feedback page: nbgrader's, with each graded part named by its exercise ("Exercise A1 ·
# relu_forward: 1 / 1"), math as MathML made here (no MathJax, nothing from the network) and the
# learner's kept outputs marked as hers. FeedbackExporter is nbgrader's HTMLExporter under its own
# name, so the formgrader's pages keep their template.
from chainrule_reference.feedback import TEMPLATE_BASEDIRS, ExerciseNames, FeedbackExporter  # noqa: E402

c.GenerateFeedback.preprocessors = [*c.GenerateFeedback.preprocessors, ExerciseNames]
c.GenerateFeedback.exporter_class = FeedbackExporter
c.FeedbackExporter.template_name = "chainrule_feedback"
c.FeedbackExporter.template_file = "feedback.html.j2"
c.FeedbackExporter.extra_template_basedirs = TEMPLATE_BASEDIRS

# nbgrader runs `alembic` from PATH to create a gradebook. `.venv/bin/nbgrader` run without
# activating the environment would not find it: this interpreter's own bin folder, which has it,
# goes first on PATH then.
import os  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402

if shutil.which("alembic") is None:
    os.environ["PATH"] = os.pathsep.join(filter(None, [os.path.dirname(sys.executable), os.environ.get("PATH")]))
