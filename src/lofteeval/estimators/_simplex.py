"""Exact least squares on the probability simplex (the synthetic-control weight problem).

Solves::

    minimise  1/2 w'Gw - b'w     subject to  w >= 0,  sum(w) = 1

for a positive semi-definite Gram matrix ``G = X'X`` (+ an optional ridge) and ``b = X'y``,
which is ``min ||y - Xw||^2`` on the simplex.  The method is a primal active-set method for
convex QPs (Nocedal & Wright 2006, Algorithm 16.3) that starts at the best single donor
(a vertex) and frees one weight at a time.  Each step solves the equality-constrained
sub-problem on the free set exactly (reduced Hessian in a null-space basis of the sum-to-one
constraint); a singular reduced Hessian (more donors than pre-periods) is handled by a
zero-curvature descent direction, so the method also works when ``G`` is rank deficient.
It stops only when the KKT conditions hold to rounding error: the gradient is constant on the
support (the multiplier of ``sum(w) = 1``) and no larger anywhere else.  There is no
iteration-count or objective-decrease stopping rule besides a hard safety cap that raises.

Working with the Gram matrix lets the placebo loop of synthetic control compute ``G`` once for
all units and solve each placebo's problem on a sub-matrix.
"""

from __future__ import annotations

import numpy as np

__all__ = ["simplex_lstsq", "simplex_start", "kkt_violation"]


def _null_basis_solve(h_ff: np.ndarray, g_f: np.ndarray) -> tuple[np.ndarray, bool]:
    """Minimise 1/2 p'Hp + g'p on {sum p = 0}; return (p, bounded).

    Uses ``p = Z u`` with ``Z = [I; -1']`` (the last free weight absorbs the constraint).  When
    the reduced problem is unbounded below (zero curvature along a descent direction), returns
    that descent direction with ``bounded=False``.
    """
    m = g_f.size
    if m == 1:
        return np.zeros(1), True
    last = h_ff[-1]
    # Z'HZ and Z'g without forming Z
    hz = h_ff[:-1, :-1] - last[:-1][None, :] - last[:-1][:, None] + last[-1]
    gz = g_f[:-1] - g_f[-1]
    try:
        chol = np.linalg.cholesky(hz)
        u = -np.linalg.solve(chol.T, np.linalg.solve(chol, gz))
        bounded = True
    except np.linalg.LinAlgError:
        u, bounded = _semidefinite_step(hz, gz)
    return np.append(u, -u.sum()), bounded


def _semidefinite_step(hz: np.ndarray, gz: np.ndarray) -> tuple[np.ndarray, bool]:
    """Newton step on a singular reduced Hessian, or a zero-curvature descent direction."""
    evals, evecs = np.linalg.eigh(hz)
    tol = max(float(evals.max(initial=0.0)), 1.0) * hz.shape[0] * 1e-12
    null = evecs[:, evals <= tol]
    g_null = null.T @ gz
    if null.shape[1] and np.linalg.norm(g_null) > 1e-12 * max(1.0, float(np.linalg.norm(gz))):
        return -(null @ g_null), False
    pos = evals > tol
    inv = evecs[:, pos] / evals[pos]
    return -(inv @ (evecs[:, pos].T @ gz)), True


def simplex_lstsq(gram: np.ndarray, b: np.ndarray, *, start: np.ndarray | None = None,
                  max_iter: int | None = None) -> np.ndarray:
    """Exact minimiser of ``1/2 w'Gw - b'w`` over the probability simplex.

    Parameters
    ----------
    gram : numpy.ndarray
        ``(J, J)`` positive semi-definite matrix (``X'X`` of the donor pre-period outcomes).
    b : numpy.ndarray
        ``(J,)`` vector (``X'y``).
    start : numpy.ndarray, optional
        A feasible warm start; its support becomes the initial free set.  Default: the vertex
        with the smallest objective (the best single donor).
    max_iter : int, optional
        Safety cap on active-set changes (default ``50 * J + 100``); reaching it raises.

    Returns
    -------
    numpy.ndarray
        Weights ``w >= 0`` with ``sum(w) == 1`` satisfying the KKT conditions to rounding error.

    Raises
    ------
    RuntimeError
        If the safety cap is reached (cycling; never observed on real data).

    Notes
    -----
    Lawson-Hanson style: the invariant is that ``w`` minimises the objective on its free set.
    The weight with the most negative KKT multiplier is freed; the equality-constrained
    minimiser ``z`` on the new free set comes from one ``(m+1) x (m+1)`` KKT solve; if some
    ``z_i <= 0`` the method moves from ``w`` towards ``z`` up to the first bound and drops it.
    A (numerically) singular KKT system falls back to a null-space step that handles zero
    curvature, so rank-deficient problems (more donors than pre-periods) are solved too.
    """
    gram = np.asarray(gram, dtype=float)
    b = np.asarray(b, dtype=float)
    n = b.size
    if n == 1:
        return np.ones(1)
    scale = max(float(gram.diagonal().max()), float(np.abs(b).max()), 1e-300)
    tol = 1e-11 * scale
    if start is None:
        w = np.zeros(n)
        w[int(np.argmin(0.5 * np.diag(gram) - b))] = 1.0
    else:
        w = np.maximum(np.asarray(start, dtype=float), 0.0)
        w /= w.sum()
    free = np.flatnonzero(w)
    if start is not None:
        w, free = _optimise_on(gram, b, w, free, tol)
    cap = max_iter if max_iter is not None else 50 * n + 100
    for _ in range(cap):
        grad = gram[:, free] @ w[free] - b
        mult = grad - grad[free].mean()
        mult[free] = np.inf
        j = int(mult.argmin())
        if mult[j] >= -tol:
            return w / w.sum()
        w, free = _optimise_on(gram, b, w, np.concatenate((free, [j])), tol)
    raise RuntimeError(f"simplex_lstsq did not terminate within {cap} active-set changes (J={n}).")


def _kkt_solve(gram: np.ndarray, b: np.ndarray, free: np.ndarray) -> np.ndarray | None:
    """Minimiser of the objective on ``{w_F : sum w_F = 1}``, or None if (near) singular."""
    m = free.size
    kkt = np.ones((m + 1, m + 1))
    g_ff = gram[free][:, free]
    kkt[:m, :m] = g_ff
    kkt[m, m] = 0.0
    rhs = np.empty(m + 1)
    rhs[:m] = b[free]
    rhs[m] = 1.0
    try:
        sol = np.linalg.solve(kkt, rhs)
    except np.linalg.LinAlgError:
        return None
    z = sol[:m]
    # a nearly singular system shows up as a violated constraint or a large residual
    resid = g_ff @ z + sol[m] - rhs[:m]
    if not (abs(z.sum() - 1.0) <= 1e-8 and np.abs(resid).max() <= 1e-8 * (1.0 + np.abs(g_ff).max())):
        return None
    return z


def _optimise_on(gram: np.ndarray, b: np.ndarray, w: np.ndarray, free: np.ndarray,
                 tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Inner loop: move ``w`` to the minimiser on ``free``, dropping weights that hit zero."""
    for _ in range(4 * free.size + 10):
        z = _kkt_solve(gram, b, free)
        if z is None:  # singular: one safe null-space step instead
            grad = gram[:, free] @ w[free] - b
            p_f, bounded = _null_basis_solve(gram[np.ix_(free, free)], grad[free])
            if bounded and np.max(np.abs(p_f), initial=0.0) <= 1e-13:
                return w, free
            w, free = _step(w, free, p_f, bounded)
            continue
        if z.min() > 0:
            w = np.zeros_like(w)
            w[free] = z
            return w, free
        w, free = _step(w, free, z - w[free], True)
    return w, free


def _step(w: np.ndarray, free: np.ndarray, p_f: np.ndarray,
          bounded: bool) -> tuple[np.ndarray, np.ndarray]:
    """Move along ``p_f`` up to the first blocking bound and drop blocked weights from the free set."""
    w_f = w[free]
    neg = p_f < 0
    ratios = np.full(p_f.size, np.inf)
    ratios[neg] = -w_f[neg] / p_f[neg]
    alpha = float(ratios.min()) if np.any(neg) else np.inf
    if bounded:
        alpha = min(alpha, 1.0)
    if not np.isfinite(alpha):
        raise RuntimeError("unbounded direction on the simplex (G is not positive semi-definite).")
    w = w.copy()
    w[free] = w_f + alpha * p_f
    blocked = neg & (ratios <= alpha)
    w[free[blocked]] = 0.0
    w[free] = np.maximum(w[free], 0.0)
    keep = w[free] > 0
    free = free[keep]
    w /= w.sum()
    return w, free


def simplex_start(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A fast warm start for :func:`simplex_lstsq` from ``x (T, J)`` and ``y (T,)``.

    Lawson-Hanson NNLS (``scipy.optimize.nnls``) on the rows augmented with a heavily weighted
    sum-to-one row.  It is only a starting point: its support is usually the exact one, and
    :func:`simplex_lstsq` then solves exactly and checks the KKT conditions.
    """
    from scipy.optimize import nnls

    t, j = x.shape
    big = 1e3 * max(float(np.abs(x).max()), float(np.abs(y).max()), 1.0)
    a = np.empty((t + 1, j))
    a[:t] = x
    a[t] = big
    rhs = np.empty(t + 1)
    rhs[:t] = y
    rhs[t] = big
    try:
        w = nnls(a, rhs)[0]
    except RuntimeError:
        w = np.zeros(j)
    total = float(w.sum())
    if not total > 0 or not np.isfinite(total):
        w = np.zeros(j)
        w[int(np.argmin(((x - y[:, None]) ** 2).sum(axis=0)))] = 1.0
        total = 1.0
    return w / total


def kkt_violation(gram: np.ndarray, b: np.ndarray, w: np.ndarray) -> float:
    """Largest KKT violation of ``w`` for the simplex QP, relative to the problem's scale.

    Zero (up to rounding) at the exact minimiser: the gradient equals its minimum on the support
    and is no smaller off the support.
    """
    grad = np.asarray(gram) @ w - np.asarray(b)
    support = w > 1e-12
    nu = float(np.min(grad))
    scale = max(float(np.max(np.abs(np.diag(gram)))), float(np.max(np.abs(b))), 1e-300)
    on_support = float(np.max(np.abs(grad[support] - nu)))
    feas = max(float(-w.min()), abs(float(w.sum()) - 1.0))
    return max(on_support / scale, feas)
