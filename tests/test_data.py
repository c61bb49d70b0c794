"""The shipped digits: the fixed split, the loader's contract, and that the wheel carries the file."""
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from chainrule.data import DIGIT_SPLITS, digits

ROOT = Path(__file__).resolve().parents[1]


def test_the_three_parts_are_disjoint_and_make_up_the_whole_set():
    """Do train, validation and test hold 1,000, 397 and 400 images, every class in each, and no image twice?"""
    parts = {s: digits(s) for s in DIGIT_SPLITS}
    assert [len(parts[s][1]) for s in DIGIT_SPLITS] == [1000, 397, 400]
    for X, y in parts.values():
        assert X.dtype == np.float64 and X.shape == (len(y), 64) and y.dtype == np.int64
        assert X.min() == 0.0 and X.max() == 1.0
        assert set(np.unique(y)) == set(range(10))
    with np.load(ROOT / "src/chainrule/datasets/digits.npz") as data:
        whole = np.sort(data["images"].reshape(-1, 64).view("V64").ravel())
    pooled = np.concatenate([(X * 16).round().astype(np.uint8) for X, _ in parts.values()])
    assert np.array_equal(np.sort(pooled.view("V64").ravel()), whole)


def test_the_split_is_the_same_on_every_call():
    """Does a second call give the same images in the same order?"""
    X1, y1 = digits("validation")
    X2, y2 = digits("validation")
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)


def test_labels_belong_to_their_images():
    """Do class means learned on the training part classify most validation images right (real data, labels aligned)?"""
    X, y = digits("train")
    Xv, yv = digits("validation")
    means = np.stack([X[y == k].mean(axis=0) for k in range(10)])
    predicted = np.argmin(((Xv[:, None, :] - means[None]) ** 2).sum(axis=2), axis=1)
    assert (predicted == yv).mean() > 0.85
    shuffled = np.random.default_rng(0).permutation(yv)
    assert (predicted == shuffled).mean() < 0.3


def test_an_unknown_split_is_named():
    with pytest.raises(ValueError, match="validation"):
        digits("valid")


@pytest.mark.slow
def test_the_wheel_carries_the_digits(tmp_path):
    """Does a wheel built from the source hold the data file and its licence note?"""
    source = tmp_path / "source"  # a copy, so that the build leaves nothing in the checkout
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
                   check=True)
    wheel, = tmp_path.glob("chainrule-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "chainrule/datasets/digits.npz" in names and "chainrule/datasets/README.md" in names
