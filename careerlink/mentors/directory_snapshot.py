"""The directory's counts and browse order, computed from a columnar snapshot in memory.

Counting a search's facets in SQL meant scanning every matching alumnus (two grouped scans of the
covering indexes), and the browse order meant sorting every match: both grew with the number of
alumni. Instead, each process keeps the narrow directory columns of every profile in NumPy arrays
(about 80 bytes an alumnus: 100,000 alumni take 8 MB) and answers from them: a filter is a
boolean mask, a facet is one `bincount`, the browse page is a partial sort of the matches.

The snapshot is kept current without rereading it: every change to a profile stamps the profile
with the directory's new data version (`directory_index`), so catching up is one indexed query for
the profiles changed since the snapshot's version. Changes that are not one profile's (a deleted
profile or account, an industry added, renamed or merged) bump the directory's *structure*, and the
snapshot is read again whole. With a shared cache (`CAREERLINK_CACHE_URL`, Redis), a process
that has no snapshot yet (a new gunicorn worker, another machine) starts from the copy another
process stored and catches up from there, instead of reading every profile.

A search inside a transaction that has changed the directory and not committed yet reads a
private snapshot of its own, so that nothing uncommitted reaches the shared one.

Two things are remembered with a snapshot until its next change: the matches of recent word
searches (ids and scores from the full-text index) and each facet's tally of every profile.

The browse order's first two keys (who may be asked now, then the least recently asked) are the
same for every viewer on a given day, so the listed profiles are kept sorted by them for the day
(`DayOrder`), patched row by row as profiles change. Only the shuffle that breaks ties is the
viewer's own: `(id * a + b) mod p`, an affine map of the ids. The few smallest values of such a
map over the ids `[0, n)` come out in order one at a time (the three-distance theorem: each
next one is `+u`, `-v` or `+u-v` away, with `u` and `v` found in O(log p)), so a landing page
reads its 20 alumni from the largest tie (never asked, may be asked now) without shuffling it.
"""

from __future__ import annotations

import functools
import itertools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy import BigInteger, Integer, String, cast, func, literal_column, select, type_coerce

from careerlink.extensions import db
from careerlink.mentors import facet_cache
from careerlink.mentors.directory_index import DirectoryState, has_uncommitted_changes
from careerlink.mentors.models import MentorProfile, Offer

log = logging.getLogger(__name__)
P = MentorProfile
EXTENSION = "careerlink_directory_snapshot"
LIST_FACETS = ("country", "region", "city", "programme")
LIST_FACET_LIMIT = 60
PRIME = 4294967291  # the largest prime below 2**32 (the browse shuffle's modulus)
OFFER_COLUMNS = {
    Offer.INTRODUCTION: "offers_introduction",
    Offer.SHADOWING: "offers_shadowing",
    Offer.INFORMATIONAL_INTERVIEW: "offers_informational_interview",
    Offer.RESUME_REVIEW: "offers_resume_review",
    Offer.REFERRAL: "offers_referral",
}
_NEVER = -1  # "never asked" sorts before every real time: nulls first
# Word searches remembered per snapshot, bounded by the matches they hold (12 bytes a match).
TEXT_CACHE_MATCHES = 1_000_000
TEXT_CACHE_ENTRIES = 256
# The first day of the proleptic Gregorian calendar as a Julian day (date.toordinal() == 1).
_JULIAN_DAY_OF_ORDINAL_ONE = 1721425.5
_UNLISTED = np.iinfo(np.int64).max  # a day key no listed profile has
# More changed profiles than this in one catching up: the day's order is sorted again when next
# used, instead of moving each profile (each move copies the order's two arrays).
DAY_ORDER_MOVES = 32
# Walking the shuffle costs about this many times more per id than shuffling a tie with NumPy:
# a tie is walked when that reads fewer ids' worth of time (see `Snapshot._tie_page`).
WALK_COST = 16


@functools.cache
def _columns(dialect: str) -> tuple:
    """The directory columns a snapshot holds, as cheap scalars: the day a profile may be
    asked again as its ordinal, the last request as microseconds since 1970 (exact)."""
    if dialect == "postgresql":
        day = P.unavailable_until - literal_column("DATE '0001-01-01'") + 1
        micros = cast(func.extract("epoch", P.last_requested_at) * 1_000_000, BigInteger)
    else:  # stored as text: 'YYYY-MM-DD' and 'YYYY-MM-DD HH:MM:SS.ffffff'
        day = cast(func.julianday(P.unavailable_until) - _JULIAN_DAY_OF_ORDINAL_ONE + 1, Integer)
        stamp = type_coerce(P.last_requested_at, String)
        micros = cast(func.strftime("%s", stamp), Integer) * 1_000_000 + cast(
            func.coalesce(func.nullif(func.substr(stamp, 21, 6), ""), "0"), Integer
        )
    return (
        P.id,
        P.directory_listed,
        P.industry_key,
        *(getattr(P, name) for name in LIST_FACETS),
        func.coalesce(P.class_year, 0).label("class_year"),
        P.open_to_remote,
        *(getattr(P, column) for column in OFFER_COLUMNS.values()),
        func.coalesce(day, 0).label("unavailable_day"),
        func.coalesce(micros, _NEVER).label("requested_micros"),
    )


def _industry_ids(key: str | None) -> list[int]:
    return [int(part) for part in (key or "").split("|") if part.isdigit()]


def shuffle_of(seed: int) -> tuple[int, int]:
    """The shuffle's (a, b) for a seed: id -> (id * a + b) mod PRIME, with 0 < a < PRIME."""
    return 1 + seed % (PRIME - 1), (seed * 2654435761) % PRIME


def tiebreak(ids: np.ndarray, seed: int) -> np.ndarray:
    """The per-viewer, per-day shuffle: id -> (id * a + b) mod p, a bijection for each seed."""
    a, b = shuffle_of(seed)
    # ids < 2**31 and a < 2**32: the product and the sum stay below 2**64.
    return (ids.astype(np.uint64) * np.uint64(a) + np.uint64(b)) % np.uint64(PRIME)


def _min_mod_linear(n: int, m: int, a: int, b: int) -> int:
    """min((a * x + b) mod m for x in range(n)), in O(log m) steps (Euclid-like reduction)."""
    least = m
    while n > 0:
        a %= m
        b %= m
        least = min(least, b)
        n = (a * (n - 1) + b) // m
        b -= m * n
        a, m = m, a
    return least


def shuffled_ids(seed: int, n: int):
    """Yield the ids 0 .. n-1 in the order of the seed's shuffle (`tiebreak`), lazily.

    By the three-distance theorem, the successor of x in that order is x + u if that is below n,
    else x - v if that is not negative, else x + u - v, where x + u and x - v are the closest
    steps up and down among the ids (u + v >= n, so at most one of the first two applies). The
    first id and u and v are minima of affine maps mod PRIME (prime, so `a` is invertible).
    """
    if n <= 0:
        return
    a, b = shuffle_of(seed)
    inverse = pow(a, -1, PRIME)
    x = (_min_mod_linear(n, PRIME, a, b) - b) * inverse % PRIME
    yield x
    if n == 1:
        return
    u = _min_mod_linear(n - 1, PRIME, a, a) * inverse % PRIME  # argmin of a*d mod p, 0 < d < n
    down = PRIME - a  # argmax of a*d mod p is the argmin of (p - a)*d mod p
    v = _min_mod_linear(n - 1, PRIME, down, down) * pow(down, -1, PRIME) % PRIME
    for _ in range(n - 1):
        if x + u < n:
            x += u
        elif x >= v:
            x -= v
        else:
            x += u - v
        yield x


class DayOrder:
    """The listed profiles sorted by the browse order's first two keys, for one day.

    A profile's key is who may be asked now first (bit 62 set for the others), then its last
    request time (microseconds since 1970, plus one: never asked is 0). Profiles with the same
    key are in no particular order here: the viewer's shuffle orders them.
    """

    def __init__(self, ordinal: int, keys: np.ndarray, listed: np.ndarray):
        self.ordinal = ordinal
        self.keys = keys  # every row's key; _UNLISTED for the unlisted
        rows = np.flatnonzero(listed)
        self.rows = rows[np.argsort(keys[rows], kind="stable")]
        self.sorted_keys = keys[self.rows]

    def tie(self, at: int) -> tuple[int, int]:
        """The positions [lo, hi) of the profiles whose key is the one at position `at`."""
        key = self.sorted_keys[at]
        return (
            int(np.searchsorted(self.sorted_keys, key, "left")),
            int(np.searchsorted(self.sorted_keys, key, "right")),
        )

    def move(self, index: int, key: int) -> None:
        """Give row `index` (a new row: the next one) its new key, keeping the order sorted."""
        if index >= self.keys.size:
            extra = np.full(index + 1 - self.keys.size, _UNLISTED, np.int64)
            self.keys = np.concatenate([self.keys, extra])
        old = int(self.keys[index])
        if old == key:
            return
        if old != _UNLISTED:
            lo = int(np.searchsorted(self.sorted_keys, old, "left"))
            hi = int(np.searchsorted(self.sorted_keys, old, "right"))
            at = lo + int(np.flatnonzero(self.rows[lo:hi] == index)[0])
            self.rows = np.delete(self.rows, at)
            self.sorted_keys = np.delete(self.sorted_keys, at)
        if key != _UNLISTED:
            at = int(np.searchsorted(self.sorted_keys, key, "right"))
            self.rows = np.insert(self.rows, at, index)
            self.sorted_keys = np.insert(self.sorted_keys, at, key)
        self.keys[index] = key


class Snapshot:
    """The directory columns of every profile, one array element per profile, sorted by id."""

    def __init__(self, structure: int, version: int, names: Sequence[str], rows: Sequence[tuple]):
        self.structure = structure
        self.version = version
        self.size = 0
        self.ids = np.zeros(0, np.int64)
        self.listed = np.zeros(0, bool)
        self.remote = np.zeros(0, bool)
        self.offers = {offer: np.zeros(0, bool) for offer in Offer}
        self.year = np.zeros(0, np.int32)  # 0: not given
        self.unavailable = np.zeros(0, np.int32)  # a day's ordinal; 0: may be asked now
        self.requested = np.zeros(0, np.int64)  # microseconds since 1970; -1: never asked
        self.codes = {name: np.zeros(0, np.int32) for name in LIST_FACETS}
        self.values: dict[str, list[str]] = {name: [""] for name in LIST_FACETS}
        self._lowered: dict[str, list[str]] = {name: [""] for name in LIST_FACETS}
        self._code_of: dict[str, dict[str, int]] = {name: {"": 0} for name in LIST_FACETS}
        self.industries: dict[int, np.ndarray] = {}
        # Each profile's set of industries as a code: the industry facet is one bincount.
        self.industry_set = np.zeros(0, np.int32)
        self._set_code: dict[str, int] = {}
        self._set_pairs: tuple[np.ndarray, np.ndarray] | None = None
        # Facet tallies of every profile, kept until the next change (see `_tally`).
        self._everyone: dict[str, np.ndarray] = {}
        # terms -> (rows, scores) of the profiles whose words match, valid until a change
        self._text: OrderedDict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._text_held = 0
        # The listed profiles in the browse order's first two keys, for one day (see DayOrder).
        self._day: DayOrder | None = None
        # Every facet's tally of the listed profiles, kept row by row (see `_listed_tallies`).
        self._listed_tally: dict[str, np.ndarray] | None = None
        self._load(list(names), rows)

    def __getstate__(self) -> dict:
        # The copy shared through Redis leaves the word matches and the day's order out: each
        # process asks again and sorts its own.
        state = self.__dict__.copy()
        state["_text"], state["_text_held"] = OrderedDict(), 0
        state["_day"] = None
        return state

    @property
    def nbytes(self) -> int:
        """The memory its arrays take (capacity included)."""
        arrays = [
            self.ids,
            self.listed,
            self.remote,
            self.year,
            self.unavailable,
            self.requested,
            *self.offers.values(),
            *self.codes.values(),
            *self.industries.values(),
            self.industry_set,
        ]
        return sum(array.nbytes for array in arrays)

    # --- building and patching ------------------------------------------------------------

    def _code(self, name: str, value: str | None) -> int:
        value = value or ""
        code = self._code_of[name].get(value)
        if code is None:
            code = self._code_of[name][value] = len(self.values[name])
            self.values[name].append(value)
            self._lowered[name].append(value.lower())
        return code

    def _resize(self, capacity: int) -> None:
        def grown(array: np.ndarray, fill=0) -> np.ndarray:
            extra = np.full(capacity - array.size, fill, array.dtype)
            return np.concatenate([array, extra])

        self.ids = grown(self.ids)
        self.listed = grown(self.listed)
        self.remote = grown(self.remote)
        self.offers = {offer: grown(array) for offer, array in self.offers.items()}
        self.year = grown(self.year)
        self.unavailable = grown(self.unavailable)
        self.requested = grown(self.requested, _NEVER)
        self.codes = {name: grown(array) for name, array in self.codes.items()}
        self.industries = {key: grown(array) for key, array in self.industries.items()}
        self.industry_set = grown(self.industry_set)

    def _set_of(self, key: str | None) -> int:
        key = key or ""
        code = self._set_code.get(key)
        if code is None:
            code = self._set_code[key] = len(self._set_code)
            self._set_pairs = None
        return code

    def _industry_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(set code, industry id) for every industry of every distinct set."""
        if self._set_pairs is None:
            pairs = [(code, i) for key, code in self._set_code.items() for i in _industry_ids(key)]
            codes, industry_ids = zip(*pairs, strict=True) if pairs else ((), ())
            self._set_pairs = (np.array(codes, np.int64), np.array(industry_ids, np.int64))
        return self._set_pairs

    def _industry_mask(self, industry_id: int) -> np.ndarray:
        mask = self.industries.get(industry_id)
        if mask is None:
            mask = self.industries[industry_id] = np.zeros(self.ids.size, bool)
        return mask

    def _load(self, names: list[str], rows: Sequence[tuple]) -> None:
        """Fill the arrays from plain rows (`names` their columns), column by column."""
        count = len(rows)
        self._resize(count + count // 8 + 64)
        self.size = count
        if not count:
            return
        column = dict(zip(names, zip(*rows, strict=True), strict=True))
        order = np.argsort(np.asarray(column["id"], np.int64), kind="stable")
        if np.any(order != np.arange(count)):  # read in id order as a rule; sort if not
            column = {name: [values[i] for i in order] for name, values in column.items()}
        self.ids[:count] = column["id"]
        self.listed[:count] = column["directory_listed"]
        self.remote[:count] = column["open_to_remote"]
        for offer, name in OFFER_COLUMNS.items():
            self.offers[offer][:count] = column[name]
        self.year[:count] = column["class_year"]
        self.unavailable[:count] = column["unavailable_day"]
        self.requested[:count] = column["requested_micros"]
        for name in LIST_FACETS:
            for value in dict.fromkeys(column[name]):  # distinct values, first seen first
                self._code(name, value)
            code_of = self._code_of[name]
            self.codes[name][:count] = np.fromiter(map(code_of.get, column[name]), np.int32, count)
        # A few thousand distinct industry sets at most: one mask per industry from them.
        for key in dict.fromkeys(column["industry_key"]):
            self._set_of(key)
        keys = np.fromiter(
            map(self._set_code.get, (key or "" for key in column["industry_key"])), np.int32, count
        )
        self.industry_set[:count] = keys
        sets_with: dict[int, np.ndarray] = {}
        for key, code in self._set_code.items():
            for industry_id in _industry_ids(key):
                sets_with.setdefault(industry_id, np.zeros(len(self._set_code), bool))[code] = True
        for industry_id, has_it in sets_with.items():
            self._industry_mask(industry_id)[:count] = has_it[keys]

    def _write(self, index: int, row: Any) -> None:
        self.ids[index] = row.id
        self.listed[index] = bool(row.directory_listed)
        self.remote[index] = bool(row.open_to_remote)
        for offer, name in OFFER_COLUMNS.items():
            self.offers[offer][index] = bool(getattr(row, name))
        self.year[index] = row.class_year
        self.unavailable[index] = row.unavailable_day
        self.requested[index] = row.requested_micros
        for name in LIST_FACETS:
            self.codes[name][index] = self._code(name, getattr(row, name))
        self.industry_set[index] = self._set_of(row.industry_key)
        wanted = set(_industry_ids(row.industry_key))
        for industry_id in wanted:
            self._industry_mask(industry_id)
        for industry_id, mask in self.industries.items():
            mask[index] = industry_id in wanted

    def apply(self, rows: Iterable[Any]) -> bool:
        """Take in changed profiles; False if one cannot be placed (then rebuild instead)."""
        rows = sorted(rows, key=lambda r: r.id)
        if not rows:  # the usual case: nothing changed since the last search
            return True
        if len(rows) > DAY_ORDER_MOVES:
            self._day = None
        for row in rows:
            index = int(np.searchsorted(self.ids[: self.size], row.id))
            if index < self.size and self.ids[index] == row.id:
                self._count_row(index, -1)
                self._write(index, row)
                self._count_row(index, 1)
            elif index == self.size:  # a new profile: ids only grow
                if self.size == self.ids.size:
                    self._resize(2 * self.ids.size + 64)
                self._write(index, row)
                self.size += 1
                self._count_row(index, 1)
            else:  # a new id below the highest (transactions committed out of order)
                return False
            if self._day is not None:
                where = np.array([index])
                self._day.move(index, int(self._day_keys(where, self._day.ordinal)[0]))
        self._text.clear()
        self._text_held = 0
        self._everyone.clear()
        return True

    # --- searching ---------------------------------------------------------------------------

    def rows_of(
        self, profile_ids: Sequence[int], scores: Sequence[float] | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """A mask of the profiles with these ids (ids the snapshot does not hold are ignored),
        and, given their scores, an array of each profile's score (infinite elsewhere)."""
        rows, row_scores = self._rows(profile_ids, scores)
        return self._mask(rows, None if scores is None else row_scores)

    def text_rows(
        self, terms: Sequence[str], fetch: Callable[[], tuple[Sequence[int], Sequence[float]]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """`rows_of` for a word search, remembered until the next change to the directory.

        `fetch` asks the database for the matching ids and scores; a repeated search (the next
        page, the next student, another filter on the same words) does not ask again. Any
        profile change clears what is remembered (`apply`), and a change of structure makes a
        new snapshot, so a remembered answer is always the database's answer.
        """
        key = tuple(terms)
        found = self._text.get(key)
        if found is None:
            found = self._rows(*fetch())
            self._text[key] = found
            self._text_held += found[0].size
            while len(self._text) > 1 and (
                self._text_held > TEXT_CACHE_MATCHES or len(self._text) > TEXT_CACHE_ENTRIES
            ):
                _key, (dropped, _scores) = self._text.popitem(last=False)
                self._text_held -= dropped.size
        else:
            self._text.move_to_end(key)
        return self._mask(*found)

    def _rows(
        self, profile_ids: Sequence[int], scores: Sequence[float] | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The rows of the profiles with these ids that the snapshot holds, and their scores."""
        wanted = np.asarray(profile_ids, np.int64)
        if not wanted.size:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        index = np.searchsorted(self.ids[: self.size], wanted)
        inside = np.flatnonzero(index < self.size)
        hit = inside[self.ids[index[inside]] == wanted[inside]]
        row_scores = np.zeros(hit.size) if scores is None else np.asarray(scores, np.float64)[hit]
        return index[hit], row_scores

    def _mask(self, rows: np.ndarray, scores: np.ndarray | None) -> tuple:
        mask = np.zeros(self.size, bool)
        mask[rows] = True
        if scores is None:
            return mask, None
        by_row = np.full(self.size, np.inf)
        by_row[rows] = scores
        return mask, by_row

    def available(self, on: date) -> np.ndarray:
        """Profiles that may be asked on that day (not away, paused or full)."""
        days = self.unavailable[: self.size]
        return (days == 0) | (days <= on.toordinal())

    def equal(self, name: str, value: str) -> np.ndarray:
        """Profiles whose place or programme is `value`, whatever its case."""
        wanted = value.lower()
        codes = [code for code, lowered in enumerate(self._lowered[name]) if lowered == wanted]
        return np.isin(self.codes[name][: self.size], codes)

    def group_masks(self, criteria, industry_ids, text_mask, available) -> dict[str, np.ndarray]:
        """One mask per active filter group (AND between groups, OR inside a group)."""
        n = self.size
        groups: dict[str, np.ndarray] = {}
        if text_mask is not None:
            groups["q"] = text_mask
        if industry_ids is not None:
            mask = np.zeros(n, bool)
            for industry_id in industry_ids:
                if industry_id in self.industries:
                    mask |= self.industries[industry_id][:n]
            groups["industry"] = mask
        if criteria.offers:
            mask = np.zeros(n, bool)
            for offer in criteria.offers:
                mask |= self.offers[offer][:n]
            groups["offer"] = mask
        for name in LIST_FACETS:
            value = getattr(criteria, name)
            if value:
                groups[name] = self.equal(name, value)
        if criteria.remote:
            groups["remote"] = self.remote[:n]
        if criteria.class_year_min is not None or criteria.class_year_max is not None:
            years = self.year[:n]
            mask = years != 0
            if criteria.class_year_min is not None:
                mask &= years >= criteria.class_year_min
            if criteria.class_year_max is not None:
                mask &= years <= criteria.class_year_max
            groups["class_year"] = mask
        if criteria.accepting_now:
            groups["accepting"] = available
        return groups

    def matching(self, groups: dict[str, np.ndarray], *leave_out: str) -> np.ndarray:
        """Listed profiles that pass every group but those left out."""
        mask = self.listed[: self.size].copy()
        for name, group in groups.items():
            if name not in leave_out:
                mask &= group
        return mask

    def _listed_tallies(self) -> dict[str, np.ndarray]:
        """Every facet's tally of the listed profiles: counted once, then kept row by row
        (`_count_row`) as profiles change."""
        if self._listed_tally is None:
            n = self.size
            listed = self.listed[:n]
            tallies = {
                name: np.bincount(self.codes[name][:n][listed], minlength=len(self.values[name]))
                for name in LIST_FACETS
            }
            tallies["industry"] = np.bincount(
                self.industry_set[:n][listed], minlength=len(self._set_code)
            )
            tallies["offer"] = np.array(
                [np.count_nonzero(listed & self.offers[offer][:n]) for offer in Offer], np.int64
            )
            tallies["remote"] = np.array([np.count_nonzero(listed & self.remote[:n])], np.int64)
            tallies["total"] = np.array([np.count_nonzero(listed)], np.int64)
            self._listed_tally = tallies
        return self._listed_tally

    def _count_row(self, index: int, sign: int) -> None:
        """Add (1) or take away (-1) row `index`'s part in the kept tallies, if it is listed."""
        tallies = self._listed_tally
        if tallies is None or not self.listed[index]:
            return
        codes = [(name, int(self.codes[name][index])) for name in LIST_FACETS]
        for name, code in [*codes, ("industry", int(self.industry_set[index]))]:
            tally = tallies[name]
            if code >= tally.size:  # a value first seen in this change
                tally = tallies[name] = np.concatenate(
                    [tally, np.zeros(code + 1 - tally.size, tally.dtype)]
                )
            tally[code] += sign
        for i, offer in enumerate(Offer):
            if self.offers[offer][index]:
                tallies["offer"][i] += sign
        if self.remote[index]:
            tallies["remote"][0] += sign
        tallies["total"][0] += sign

    def counts(self, groups, available, industries) -> tuple[int, dict[str, dict[str, int]]]:
        """The total and every facet's counts; each facet leaves its own filter out.

        A facet whose count leaves out every filter (every facet of the landing page, the
        industry facet of a search by industry alone) reads the listed profiles' kept tally.
        """
        n = self.size
        matched = self.matching(groups)

        def without(name: str) -> np.ndarray:  # the matches, this facet's own filter left out
            return self.matching(groups, name) if name in groups else matched

        def everyone_listed(name: str) -> bool:  # no filter but this facet's own
            return not set(groups) - {name}

        kept = self._listed_tallies()
        total = int(kept["total"][0]) if not groups else int(np.count_nonzero(matched))
        # Few matches (one industry, a city): the facets that count exactly the matches read
        # their values at the matches' rows, not a mask over every profile.
        rows = np.flatnonzero(matched) if groups and 8 * total <= n else None

        def count(name: str, values: np.ndarray) -> int:
            if rows is not None and name not in groups:
                return int(np.count_nonzero(values[:n][rows]))
            return int(np.count_nonzero(without(name) & values[:n]))

        def tally(name: str, codes: np.ndarray, size: int) -> np.ndarray:
            if everyone_listed(name):
                return kept[name]
            if rows is not None and name not in groups:
                return np.bincount(codes[:n][rows], minlength=size)
            return self._tally(name, codes, without(name), size)

        if everyone_listed("offer"):
            offers = dict(zip(Offer, kept["offer"].tolist(), strict=True))
        else:
            offers = {offer: count("offer", self.offers[offer]) for offer in Offer}
        if everyone_listed("remote"):
            remote = int(kept["remote"][0])
        else:
            remote = count("remote", self.remote)
        facets: dict[str, dict[str, int]] = {
            "offer": {offer.value: int(offers[offer]) for offer in Offer},
            "remote": {"yes": remote},
            "accepting": {"yes": count("accepting", available)},
        }
        for name in LIST_FACETS:
            tally_of = tally(name, self.codes[name], len(self.values[name]))
            counted = [
                (self.values[name][code], int(tally_of[code]))
                for code in np.flatnonzero(tally_of)
                if code
            ]
            counted.sort(key=lambda item: (-item[1], item[0]))
            facets[name] = dict(counted[:LIST_FACET_LIMIT])
        # One bincount over the industry sets, then each set's count added to its industries.
        per_set = tally("industry", self.industry_set, len(self._set_code))
        set_codes, industry_ids = self._industry_pairs()
        if per_set.size < len(self._set_code):  # sets no listed profile has had yet
            per_set = np.concatenate([per_set, np.zeros(len(self._set_code) - per_set.size)])
        per_industry = np.bincount(industry_ids, weights=per_set[set_codes]).astype(np.int64)
        industry_counts: dict[str, int] = {}
        for industry in industries:
            found = int(per_industry[industry.id]) if industry.id < per_industry.size else 0
            if found:
                industry_counts[industry.slug] = found
        facets["industry"] = industry_counts
        return total, facets

    def _tally(self, name: str, codes: np.ndarray, mask: np.ndarray, size: int) -> np.ndarray:
        """How many masked profiles have each code: counted directly when few match, else as
        everyone's tally (kept until the next change) less the tally of those left out, so
        that the landing page counts only the few profiles it leaves out."""
        codes = codes[: self.size]
        if 2 * int(np.count_nonzero(mask)) <= self.size:
            return np.bincount(codes[mask], minlength=size)
        everyone = self._everyone.get(name)
        if everyone is None or everyone.size != size:
            everyone = self._everyone[name] = np.bincount(codes, minlength=size)
        return everyone - np.bincount(codes[~mask], minlength=size)

    def ranked_page(self, mask, available, scores, offset: int, limit: int) -> list[int]:
        """Ids of one page of a word search: who may be asked now first, then the best score,
        then the id."""
        rows = np.flatnonzero(mask)
        if offset >= rows.size:
            return []
        ordered = rows[np.lexsort((self.ids[rows], scores[rows], ~available[rows]))]
        return [int(i) for i in self.ids[ordered[offset : offset + limit]]]

    def _day_keys(self, rows: np.ndarray, ordinal: int) -> np.ndarray:
        """The day's browse key of these rows (as `browse_page` computes it): _UNLISTED for
        the unlisted."""
        days = self.unavailable[rows]
        away = (days != 0) & (days > ordinal)
        keys = (away.astype(np.int64) << 62) | (self.requested[rows] + 1)
        return np.where(self.listed[rows], keys, _UNLISTED)

    def day_order(self, on: date) -> DayOrder:
        """The listed profiles in the day's browse keys: sorted once a day, then kept by
        `apply` (moved row by row)."""
        ordinal = on.toordinal()
        if self._day is None or self._day.ordinal != ordinal:
            rows = np.arange(self.size)
            self._day = DayOrder(ordinal, self._day_keys(rows, ordinal), self.listed[: self.size])
        return self._day

    def browse_listed(
        self, on: date, seed: int, offset: int, limit: int, *, available_only: bool = False
    ) -> list[int]:
        """`browse_page` for every listed profile (or every one who may be asked now), read
        from the day's order: only the ties the page falls in are shuffled, and a large one
        is walked in the shuffle's order instead (`shuffled_ids`)."""
        day = self.day_order(on)
        count = day.sorted_keys.size
        if available_only:  # who may be asked now come first: the keys below bit 62
            count = int(np.searchsorted(day.sorted_keys, np.int64(1) << 62, "left"))
        end = min(offset + limit, count)
        page: list[int] = []
        at = offset
        while at < end:
            lo, hi = day.tie(at)
            stop = min(end, hi)
            key = int(day.sorted_keys[at])
            page += self._tie_page(day, day.rows[lo:hi], key, seed, at - lo, stop - lo)
            at = stop
        return page

    def _tie_page(
        self, day: DayOrder, tied: np.ndarray, key: int, seed: int, start: int, stop: int
    ) -> list[int]:
        """Ids of places start..stop-1, in the seed's shuffle, of the tied rows (all of key)."""
        size = tied.size
        ids = self.ids[: self.size]
        span = int(ids[-1]) + 1  # the shuffle's walk runs over the ids 0 .. span-1
        # Walking reaches the stop-th tied profile after about stop * span / size ids.
        if stop * span * WALK_COST < size * size:
            found: list[int] = []
            walk = shuffled_ids(seed, span)
            while len(found) < stop:
                wanted = (stop - len(found)) * span // size + 16
                batch = np.fromiter(itertools.islice(walk, wanted), np.int64)
                if not batch.size:
                    break
                at = np.minimum(np.searchsorted(ids, batch), self.size - 1)
                found += batch[(ids[at] == batch) & (day.keys[at] == key)].tolist()
            return found[start:stop]
        shuffled = tiebreak(ids[tied], seed)
        if stop < size:
            chosen = np.argpartition(shuffled, stop - 1)[:stop]
            chosen = chosen[np.argsort(shuffled[chosen])]
        else:
            chosen = np.argsort(shuffled)
        return [int(i) for i in ids[tied[chosen[start:stop]]]]

    def browse_page(self, mask, available, seed: int, offset: int, limit: int) -> list[int]:
        """Ids of one page in browse order: who may be asked now first, then the least
        recently asked, then a shuffle that is the viewer's own for the day."""
        rows = np.flatnonzero(mask)
        if offset >= rows.size:
            return []
        end = min(offset + limit, rows.size)
        # The first two keys in one integer: requests are microseconds since 1970 (below 2**53),
        # "never asked" (-1) becomes 0 and sorts first, the unavailable come after everyone.
        first = ((~available[rows]).astype(np.int64) << 62) | (self.requested[rows] + 1)
        if end < rows.size:
            # Only the first `end` rows matter: those strictly before the end-th key, then the
            # best-shuffled of the rows that tie with it. The smallest key is often shared by
            # most rows (the never asked), and a partition inside a tie that large is slower than
            # a sort: look at that group first.
            lowest = first.min()
            at_lowest = first == lowest
            ties = int(np.count_nonzero(at_lowest))
            if ties >= end:
                before, tied = np.zeros(0, np.int64), np.flatnonzero(at_lowest)
            else:
                rest = first[~at_lowest]
                kth = np.partition(rest, end - ties - 1)[end - ties - 1]
                before = np.flatnonzero(first < kth)
                tied = np.flatnonzero(first == kth)
            wanted = end - before.size
            if wanted < tied.size:
                shuffled = tiebreak(self.ids[rows[tied]], seed)
                tied = tied[np.argpartition(shuffled, wanted - 1)[:wanted]]
            chosen = np.concatenate([before, tied])
        else:
            chosen = np.arange(rows.size)
        # The shuffle is a bijection of the ids: the order is total.
        ordered = chosen[np.lexsort((tiebreak(self.ids[rows[chosen]], seed), first[chosen]))]
        return [int(i) for i in self.ids[rows[ordered[offset:end]]]]


# --- one snapshot per process (per application), kept current ---------------------------------


class _Holder:
    def __init__(self):
        self.lock = threading.Lock()
        self.snapshot: Snapshot | None = None
        self.industries: tuple[int, list] | None = None  # (structure, the industries)


def init_app(app) -> None:
    """Give this application its (empty) snapshot holder."""
    app.extensions[EXTENSION] = _Holder()


def industries(structure: int, read: Callable[[], list]) -> list:
    """The industries as `read` gives them, kept in this process until the directory's structure
    changes (any change to an industry changes it): a search reads them once per structure."""
    holder: _Holder = current_app.extensions[EXTENSION]
    kept = holder.industries
    if kept is None or kept[0] != structure:
        kept = holder.industries = (structure, read())
    return kept[1]


def state() -> tuple[int, int] | None:
    """The directory's (structure, version) as committed, or None if its row is missing."""
    row = db.session.execute(
        select(DirectoryState.structure, DirectoryState.version).where(DirectoryState.id == 1)
    ).first()
    return None if row is None else (int(row.structure), int(row.version))


def read_snapshot(structure: int, version: int) -> Snapshot:
    """A snapshot of every profile, read now."""
    columns = _columns(db.session.get_bind().dialect.name)
    result = db.session.connection().execute(select(*columns).order_by(P.id))
    # The driver's own tuples: building a Row object for each of 100,000 alumni would double
    # the time of the read (every column is a plain number or text already).
    return Snapshot(structure, version, list(result.keys()), result.cursor.fetchall())


def _changed_since(version: int) -> list[Any]:
    columns = _columns(db.session.get_bind().dialect.name)
    return db.session.execute(select(*columns).where(P.directory_version > version)).all()


def _shared_cache():
    # Only a cache that other processes share is worth a copy: in-process, the holder has it.
    if not current_app.config.get("CAREERLINK_CACHE_URL") or not facet_cache.is_enabled():
        return None
    return facet_cache.facet_cache()


def _shared_key(structure: int) -> str:
    # The layout's version in the key: a worker of a new release never reads an older layout.
    return f"directory-snapshot:v3:{structure}"


def _load_shared(structure: int) -> Snapshot | None:
    """The snapshot another worker stored for this structure (Redis), or None."""
    cache = _shared_cache()
    if cache is None:
        return None
    try:
        snapshot = cache.get(_shared_key(structure))
    except Exception:  # an unreachable Redis costs a whole read, never the page
        log.warning("directory snapshot cache unavailable; reading the directory", exc_info=True)
        return None
    if isinstance(snapshot, Snapshot) and snapshot.structure == structure:
        return snapshot
    return None


def _store_shared(snapshot: Snapshot) -> None:
    cache = _shared_cache()
    if cache is None:
        return
    try:
        cache.set(_shared_key(snapshot.structure), snapshot)
    except Exception:  # as above
        log.warning("directory snapshot cache unavailable; snapshot not shared", exc_info=True)


def _fresh(structure: int, version: int) -> Snapshot:
    """A snapshot for a process that has none: another worker's copy caught up, or a read."""
    snapshot = _load_shared(structure)
    if snapshot is not None and snapshot.apply(_changed_since(snapshot.version)):
        snapshot.version = max(snapshot.version, version)
        return snapshot
    snapshot = read_snapshot(structure, version)
    _store_shared(snapshot)
    return snapshot


def current(structure: int, version: int) -> tuple[Snapshot, threading.Lock | None]:
    """The snapshot for this data version and the lock to hold while reading it.

    A private snapshot (and no lock) when this transaction has uncommitted directory changes.
    """
    if has_uncommitted_changes(db.session):
        return read_snapshot(structure, version), None
    holder: _Holder = current_app.extensions[EXTENSION]
    with holder.lock:
        snapshot = holder.snapshot
        if snapshot is None or snapshot.structure != structure:
            snapshot = holder.snapshot = _fresh(structure, version)
        else:
            # Asked every time (an indexed look-up that usually finds nothing), so that a search
            # issues the same statements whether or not anything changed.
            changed = _changed_since(snapshot.version)
            if not snapshot.apply(changed):
                snapshot = holder.snapshot = read_snapshot(structure, version)
                _store_shared(snapshot)
            elif version > snapshot.version:
                snapshot.version = version
    return snapshot, holder.lock
