"""Bad input to the core estimators: one test per rejected case, message matched."""

import numpy as np
import pytest

from skinfo import NoisyMutualInformation, SPEntropy, noisy_mutual_information, sp_entropy

GOOD = np.random.default_rng(0).normal(size=(20, 3))


@pytest.mark.parametrize("Estimator", [SPEntropy, NoisyMutualInformation])
class TestActivations:
    def test_nan(self, Estimator):
        bad = GOOD.copy()
        bad[3, 1] = np.nan
        with pytest.raises(ValueError, match="NaN"):
            Estimator().fit(bad)

    def test_inf(self, Estimator):
        bad = GOOD.copy()
        bad[0, 0] = np.inf
        with pytest.raises(ValueError, match="inf"):
            Estimator().fit(bad)

    def test_one_dimensional(self, Estimator):
        with pytest.raises(ValueError, match=r"2-D|reshape"):
            Estimator().fit(GOOD[:, 0])

    def test_empty_rows(self, Estimator):
        with pytest.raises(ValueError, match=r"0 sample"):
            Estimator().fit(np.empty((0, 3)))

    def test_empty_features(self, Estimator):
        with pytest.raises(ValueError, match=r"0 feature|empty"):
            Estimator().fit(np.empty((5, 0)))

    def test_strings(self, Estimator):
        with pytest.raises((TypeError, ValueError), match=r"dtype|convert|real"):
            Estimator().fit(np.array([["a", "b"], ["c", "d"]]))

    def test_complex(self, Estimator):
        with pytest.raises((TypeError, ValueError), match=r"[Cc]omplex|real"):
            Estimator().fit(GOOD + 1j)

    @pytest.mark.parametrize("noise_std", [0.0, -1.0, np.nan, np.inf])
    def test_bad_noise(self, Estimator, noise_std):
        with pytest.raises(ValueError, match="noise_std"):
            Estimator(noise_std=noise_std).fit(GOOD)

    def test_string_noise(self, Estimator):
        with pytest.raises((TypeError, ValueError), match="noise_std"):
            Estimator(noise_std="0.1").fit(GOOD)

    @pytest.mark.parametrize("n_mc", [0, -3, 2.5])
    def test_bad_n_mc(self, Estimator, n_mc):
        with pytest.raises((TypeError, ValueError), match="n_mc"):
            Estimator(n_mc=n_mc).fit(GOOD)

    def test_bad_method(self, Estimator):
        with pytest.raises(ValueError, match="method"):
            Estimator(method="kd").fit(GOOD)

    def test_dtype_and_layout_accepted(self, Estimator):
        """int, float32 and non-contiguous input give the float64 result."""
        ints = np.arange(60).reshape(20, 3) % 7
        ref = Estimator(random_state=0).fit(ints.astype(np.float64))
        attr = "entropy_"
        strided = np.repeat(ints.astype(float), 2, axis=1)[:, ::2]
        for variant in (ints, ints.astype(np.float32), np.asfortranarray(ints), strided):
            got = Estimator(random_state=0).fit(variant)
            assert getattr(got, attr) == pytest.approx(getattr(ref, attr), rel=1e-12)

    def test_score_feature_mismatch(self, Estimator):
        est = Estimator(random_state=0).fit(GOOD)
        with pytest.raises(ValueError, match="features"):
            est.score(GOOD[:, :2])


def test_noisy_mi_rejects_four_dims():
    with pytest.raises(ValueError, match=r"2-D .* or 3-D"):
        NoisyMutualInformation().fit(np.zeros((2, 2, 2, 2)))


def test_noisy_mi_rejects_zero_replicas():
    with pytest.raises(ValueError, match="empty"):
        NoisyMutualInformation().fit(np.zeros((4, 0, 3)))


def test_labels_wrong_length():
    with pytest.raises(ValueError, match=r"y has 19 labels .* 20 inputs"):
        NoisyMutualInformation().fit(GOOD, np.zeros(19))


def test_labels_two_dimensional():
    with pytest.raises(ValueError, match=r"y must be 1-D"):
        NoisyMutualInformation().fit(GOOD, np.zeros((20, 2)))


def test_labels_nan():
    y = np.zeros(20)
    y[2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        NoisyMutualInformation().fit(GOOD, y)


def test_query_replicas_zero():
    with pytest.raises(ValueError, match="query_replicas"):
        NoisyMutualInformation(query_replicas=0).fit(GOOD)


def test_function_forms_validate():
    with pytest.raises(ValueError, match="noise_std"):
        sp_entropy(GOOD, noise_std=-1.0)
    with pytest.raises(ValueError, match="NaN"):
        noisy_mutual_information(np.full((3, 2), np.nan), noise_std=0.1)
    with pytest.raises(ValueError, match="n_mc"):
        noisy_mutual_information(GOOD, noise_std=0.1, n_mc=0)


def test_score_samples_feature_mismatch():
    est = SPEntropy().fit(GOOD)
    with pytest.raises(ValueError, match="features"):
        est.score_samples(np.zeros((2, 4)))


def test_unfitted_score_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        SPEntropy().score_samples(GOOD)
