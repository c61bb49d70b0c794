"""Grading outside the learner's kernel: the learner's code runs in a separate,
limited process (:mod:`.process`, :mod:`.child`), values cross as plain data
(:mod:`.wire`), and the hidden tests run and compare in the grader's own
process (:mod:`.grader`)."""
