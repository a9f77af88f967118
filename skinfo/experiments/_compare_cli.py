"""``skinfo compare-estimators``: SP vs kNN vs KDE on h(S + Z), table and figure."""

import time

from ._cli_common import add_common_options, comma_list, output_folder, positive_int, scale

__all__ = ["add_parser", "run"]

# The --quick preset: a few seconds, for smoke tests and CI.
QUICK = {"dims": (2, 3), "noise_stds": (0.2,), "n_max": 200}
# The hypercube has 2^d corners; beyond this its exact entropy and samples are out of reach.
MAX_DIM = 30


def add_parser(subparsers):
    """Register ``compare-estimators`` with an ``argparse`` subparsers object."""
    parser = subparsers.add_parser(
        "compare-estimators",
        help="compare SP, kNN and KDE entropy estimators against exact h(S + Z)",
        description=(
            "Estimate h(S + Z) for S on the corners of [-1, 1]^d (pure, and with a small Gaussian "
            "spread) with the SP estimator (samples of S) and with Kozachenko-Leonenko kNN and "
            "leave-one-out KDE (noisy samples), against the exact value by 1-D quadrature. Writes "
            "compare_estimators.csv, .json and .png to --out."
        ),
    )
    parser.add_argument(
        "--dims",
        type=comma_list(positive_int(maximum=MAX_DIM), "5,10,15"),
        default=(5, 10, 15),
        help="dimensions, e.g. 5,10,15 (default: 5,10,15)",
    )
    parser.add_argument(
        "--noise-stds",
        type=comma_list(scale, "0.05,0.1,0.2"),
        default=(0.05, 0.1, 0.2),
        help="noise standard deviations, e.g. 0.05,0.1,0.2 (default: 0.05,0.1,0.2)",
    )
    parser.add_argument(
        "--n-max",
        type=positive_int(maximum=10**7),
        default=10_000,
        help="largest sample size (default: %(default)s)",
    )
    parser.add_argument(
        "--spread", type=scale, default=0.02, help="Gaussian spread around the corners (default: %(default)s)"
    )
    parser.add_argument(
        "--repeats",
        type=positive_int(maximum=10_000),
        default=1,
        help="repetitions per setting (default: %(default)s)",
    )
    add_common_options(
        parser,
        default_out="skinfo-compare-estimators",
        n_jobs_default=-1,
        n_jobs_help="threads for the kernels, -1 for all cores (default: %(default)s)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny preset for smoke tests (d = 2, 3; noise 0.2; n <= 200; seconds)",
    )
    parser.add_argument("--no-plot", action="store_true", help="skip the figure")
    parser.set_defaults(func=run)
    return parser


def run(args):
    """Run the comparison; returns the exit status."""
    from ._compare import compare_estimators

    settings = {"dims": args.dims, "noise_stds": args.noise_stds, "n_max": args.n_max}
    if args.quick:
        settings.update(QUICK)
    start = time.perf_counter()
    with output_folder(args) as out:
        result = compare_estimators(
            **settings,
            spread=args.spread,
            repeats=args.repeats,
            random_state=args.seed,
            n_jobs=args.n_jobs,
            progress=lambda message: print(f"[{time.perf_counter() - start:7.1f} s] {message}", flush=True),
        )
        result.to_csv(out / "compare_estimators.csv")
        result.to_json(out / "compare_estimators.json")
        if not args.no_plot:
            from ..plotting import plot_estimator_comparison

            plot_estimator_comparison(result, out / "compare_estimators.png")
    print(f"{'case':<10} {'d':>3} {'noise':>6} {'n':>7} {'estimator':<9} {'error (nats)':>12}")
    for row in result.summary():
        print(
            f"{row['case']:<10} {row['n_features']:>3} {row['noise_std']:>6g} {row['n_samples']:>7} "
            f"{row['estimator']:<9} {row['mean_error']:>12.4f}"
        )
    names = ["compare_estimators.csv", "compare_estimators.json"]
    names += [] if args.no_plot else ["compare_estimators.png"]
    print(f"wrote {', '.join(names)} to {args.out}")
    return 0
