"""Grading outside the learner's kernel.

The learner's code runs in a separate, limited process (:mod:`.process`,
:mod:`.child`); values cross as plain data (:mod:`.wire`); the learner's
objects are reached through proxies (:mod:`.proxies`); the hidden tests run
and compare in the grader's own process (:mod:`.grader`).
"""
