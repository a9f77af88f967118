"""scikit-learn's estimator checks over every estimator skinfo exports.

Estimators are found automatically: every public class in ``skinfo`` that
derives from ``sklearn.base.BaseEstimator``; every one must construct with its
defaults and pass every check.
"""

import inspect

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import skinfo


def _all_estimators():
    found = []
    for name in sorted(skinfo.__all__):
        obj = getattr(skinfo, name)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
            found.append(obj)
    return found


ESTIMATORS = _all_estimators()


def test_core_estimators_are_discovered():
    names = {cls.__name__ for cls in ESTIMATORS}
    assert {"SPEntropy", "NoisyMutualInformation"} <= names


@parametrize_with_checks([cls() for cls in ESTIMATORS])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_clone_and_pipeline(cls, rng):
    """clone keeps parameters; a Pipeline's score is the final estimator's score
    of the transformed data."""
    est = cls(random_state=0) if "random_state" in cls().get_params() else cls()
    cloned = clone(est)
    assert cloned.get_params() == est.get_params()
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    pipe = make_pipeline(StandardScaler(), clone(est)).fit(X, y)
    direct = clone(est).fit(StandardScaler().fit_transform(X), y)
    Xs = StandardScaler().fit(X).transform(X)
    assert pipe.score(X, y) == pytest.approx(direct.score(Xs, y), rel=1e-12, abs=1e-12)
    assert np.isfinite(pipe.score(X, y))
