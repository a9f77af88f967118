"""PyTorch Lightning callback around :class:`InfoPlaneRecorder` (needs ``lightning``)."""

try:
    from lightning.pytorch import Callback
except ImportError:  # the standalone package of older releases
    from pytorch_lightning import Callback

from ._recorder import InfoPlaneRecorder

__all__ = ["InfoPlaneCallback"]


class InfoPlaneCallback(Callback):
    """Record the information plane of a Lightning training run.

    Calls ``recorder.record(0)`` when training starts and
    ``recorder.record(epoch)`` at the end of every training epoch, where
    ``epoch`` counts the epochs done; only the global-rank-0 process records.
    Build the recorder on the LightningModule itself (it is a
    ``torch.nn.Module``), so its arguments are checked before ``fit``.

    Parameters
    ----------
    recorder : InfoPlaneRecorder
        The recorder; its ``result_`` holds the records after training.
    extra_metrics : sequence of str, default=()
        Names of ``trainer.callback_metrics`` (e.g. ``"train_loss"``) written
        as extra columns of each checkpoint's records, as floats (None when
        the metric is not logged yet).

    Attributes
    ----------
    recorder : InfoPlaneRecorder
        The recorder given.

    Examples
    --------
    >>> import numpy as np, torch
    >>> import lightning.pytorch as pl
    >>> from skinfo.torch import GaussianNoise, InfoPlaneCallback, InfoPlaneRecorder
    >>> class Net(pl.LightningModule):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.body = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(), GaussianNoise(0.1),
    ...                                         torch.nn.Linear(3, 2))
    ...     def forward(self, x):
    ...         return self.body(x)
    ...     def training_step(self, batch, _):
    ...         x, y = batch
    ...         return torch.nn.functional.cross_entropy(self(x), y)
    ...     def configure_optimizers(self):
    ...         return torch.optim.SGD(self.parameters(), lr=0.1)
    >>> X = np.random.default_rng(0).normal(size=(32, 4)).astype(np.float32)
    >>> y = (X[:, 0] > 0).astype(np.int64)
    >>> net = Net()
    >>> recorder = InfoPlaneRecorder(net, X, y, layers={"body.2": "T1"}, n_replicas=2, epochs=[0, 2],
    ...                              random_state=0)
    >>> loader = torch.utils.data.DataLoader(
    ...     torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y)), batch_size=16)
    >>> trainer = pl.Trainer(max_epochs=2, callbacks=[InfoPlaneCallback(recorder)], logger=False,
    ...                      enable_checkpointing=False, enable_progress_bar=False,
    ...                      enable_model_summary=False, accelerator="cpu")
    >>> trainer.fit(net, loader)  # doctest: +SKIP
    >>> recorder.result_.epochs  # doctest: +SKIP
    [0, 2]
    """

    def __init__(self, recorder, extra_metrics=()):
        if not isinstance(recorder, InfoPlaneRecorder):
            raise TypeError(
                f"recorder must be a skinfo.torch.InfoPlaneRecorder; got {type(recorder).__name__}."
            )
        super().__init__()
        self.recorder = recorder
        self.extra_metrics = tuple(extra_metrics)

    def _extra(self, trainer):
        metrics = trainer.callback_metrics
        return {name: (float(metrics[name]) if name in metrics else None) for name in self.extra_metrics}

    def on_train_start(self, trainer, pl_module):
        """Record epoch 0 (the untrained network) when training starts from scratch.

        Parameters
        ----------
        trainer : lightning.pytorch.Trainer
            The running trainer.
        pl_module : lightning.pytorch.LightningModule
            The module being trained (the recorder's model).
        """
        if trainer.is_global_zero and trainer.current_epoch == 0:
            self.recorder.record(0, **self._extra(trainer))

    def on_train_epoch_end(self, trainer, pl_module):
        """Record after each training epoch, numbered by the epochs done.

        Parameters
        ----------
        trainer : lightning.pytorch.Trainer
            The running trainer.
        pl_module : lightning.pytorch.LightningModule
            The module being trained (the recorder's model).
        """
        if trainer.is_global_zero:
            self.recorder.record(trainer.current_epoch + 1, **self._extra(trainer))
