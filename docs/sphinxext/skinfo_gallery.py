"""sphinx-gallery helpers for the skinfo docs (imported by name from conf.py).

:mod:`skinfo.plotting` builds figures with ``matplotlib.figure.Figure``
rather than pyplot, so that library calls never touch pyplot's global state.
sphinx-gallery's matplotlib scraper only sees pyplot figures;
:func:`figure_scraper` also captures every such figure an example binds to a
top-level name (``fig = plot_tanh_neuron(result)``), once each.
"""

from pathlib import PurePosixPath

# Figures already scraped, per example file. The objects themselves are kept
# (not their ids) so a collected figure's id cannot be mistaken for a new one.
_SCRAPED = {}


def figure_scraper(block, block_vars, gallery_conf):
    """Save the example's new non-pyplot figures and return their rST."""
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure
    from sphinx_gallery.scrapers import figure_rst

    seen = _SCRAPED.setdefault(block_vars["src_file"], [])
    # pyplot figures are the matplotlib scraper's (this one runs first): mark
    # them seen so a closed one still bound to a name is not saved again later.
    for number in plt.get_fignums():
        fig = plt.figure(number)
        if not any(fig is known for known in seen):
            seen.append(fig)
    new = []
    for value in block_vars["example_globals"].values():
        if isinstance(value, Figure) and not any(value is known for known in seen + new):
            new.append(value)
    paths = []
    image_paths = block_vars["image_path_iterator"]
    for fig in new:
        image_path = PurePosixPath(next(image_paths))
        fig.savefig(image_path, dpi=100)
        paths.append(image_path)
        seen.append(fig)
    if not paths:
        return ""
    return figure_rst(paths, gallery_conf["src_dir"])
