#!/usr/bin/env python3
"""Independent verifier for Supervision draw packs (docs/draw-spec.md), standard library only.

usage:
  verify_draw.py PACK.json POPULATION.csv [INSPECTORS.json]
      the full pack (spec 9); a pack with an inspector draw needs the pool file
  verify_draw.py public PUBLIC-PACK.json MEMBERS.csv [RECEIPT.json]
      the class-free public pack (spec 11.3), with an entity's receipt also spec 11.4
  verify_draw.py audit PACK.json POPULATION.csv MEMBERS-KEY.txt PUBLIC-PACK.json MEMBERS.csv [INSPECTORS.json]
      the auditor (spec 11.5): spec 9 on the full pack, then the members file, every seal and the public pack
Every mode checks the seed: spec 3.2 (v1), or spec 3.3 (v2) and its ceremony checks when the pack has a `ceremony`.
Prints PASS (with a receipt: "PASS: drawn" or "PASS: not drawn (why)"), or FAIL followed by one line per difference.
Exit code 0 on PASS, 1 on differences, 2 on bad usage or unreadable files. Written from the spec, not from the C# code.
"""
import datetime
import hashlib
import json
import re
import struct
import sys
from fractions import Fraction

ALGORITHM = "srs-pareto-v1"
FORMAT = "supervision-draw-pack/1"
TWO53 = 1 << 53
SCALE = 1_000_000
MAX_MICROS = 999_999_999_999_999
ID_CHARS = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
STRATUM_CHARS = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-")


class SpecError(Exception):
    pass


class Malformed(Exception):
    """A file whose structure is not the spec's: reported as one difference, the checks that need it are skipped."""


def lp(data):
    """LP(x) = uint32 big-endian byte length || bytes (strings as UTF-8)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return struct.pack(">I", len(data)) + data


def sha256(data):
    return hashlib.sha256(data).digest()


def derive_seed(secret, task_id, algorithm, entropy, beacon):
    buf = lp("supervision/seed/v1") + lp(secret) + lp(task_id) + lp(algorithm)
    buf += struct.pack(">I", len(entropy))
    for e in entropy:
        buf += lp(e["witness"]) + lp(e["value"])
    if beacon is None:
        buf += b"\x00"
    else:
        buf += b"\x01" + lp(beacon["source"]) + lp(beacon["value"])
    return sha256(buf)


# ---------------------------------------------------------------------------------------------------------------
# Draw spec 3.3: the witnessed ceremony (seed v2).
# ---------------------------------------------------------------------------------------------------------------

CEREMONY_VERSION = 2
TIME_FORMAT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})")


def parse_time(value, path):
    """A ceremony time: ISO 8601 with an offset, whole seconds (spec 3.3), e.g. 2027-01-04T02:00:00+00:00.
    Answers an aware datetime; raises Malformed otherwise (no offset, fractions, an impossible date)."""
    if not isinstance(value, str) or not TIME_FORMAT.fullmatch(value):
        raise Malformed(f"{path}: {json.dumps(value, ensure_ascii=False)} is not an ISO 8601 time with an offset and "
                        "whole seconds (e.g. 2027-01-04T02:00:00+00:00)")
    try:
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as e:
        raise Malformed(f"{path}: {json.dumps(value)} is not a valid time ({e})")


def utc_text(t):
    """The time as hashed into seed v2: UTC, yyyy-MM-ddTHH:mm:ssZ."""
    u = t.astimezone(datetime.timezone.utc)
    return f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}Z"


def witness_commitment(task_id, value, nonce):
    """commitment = SHA256(LP("supervision/witness/v1") || LP(taskId) || LP(value) || LP(nonce)), hex."""
    return sha256(lp("supervision/witness/v1") + lp(task_id) + lp(value) + lp(nonce)).hex()


def _fields(value, path, required):
    """An object with exactly these fields (their types are checked by the caller). Raises Malformed."""
    if not isinstance(value, dict):
        raise Malformed(f"{path}: expected an object")
    missing = [k for k in required if k not in value]
    extra = sorted(k for k in value if k not in required)
    if missing:
        raise Malformed(f"{path}: missing field(s) {', '.join(missing)}")
    if extra:
        raise Malformed(f"{path}: unexpected field(s) {', '.join(extra)} (spec 3.3 lists the ceremony's fields)")
    return value


def _text(obj, name, path, nullable=False):
    value = obj[name]
    if not (isinstance(value, str) or (nullable and value is None)):
        raise Malformed(f"{path}.{name}: expected text{' or null' if nullable else ''}")
    return value


def read_ceremony(c):
    """Validates a pack's `ceremony` (spec 3.3) as a structure and parses its times. Raises Malformed. A missing
    `closedAt` or `beaconValue` (null) is read, and reported by ceremony_problems."""
    _fields(c, "ceremony", ("version", "beacon", "minimumWitnesses", "commitments", "closedAt", "reveals", "beaconValue"))
    if not is_int(c["version"]):
        raise Malformed("ceremony.version: expected an integer")
    if not is_int(c["minimumWitnesses"]):
        raise Malformed("ceremony.minimumWitnesses: expected an integer")
    beacon = _fields(c["beacon"], "ceremony.beacon", ("source", "round", "expectedAt"))
    _text(beacon, "source", "ceremony.beacon")
    _text(beacon, "round", "ceremony.beacon")
    times = {"expectedAt": parse_time(beacon["expectedAt"], "ceremony.beacon.expectedAt"), "commitments": [], "reveals": []}
    if not isinstance(c["commitments"], list):
        raise Malformed("ceremony.commitments: expected a list")
    for i, x in enumerate(c["commitments"]):
        path = f"ceremony.commitments[{i}]"
        _fields(x, path, ("witness", "department", "commitment", "at"))
        _text(x, "witness", path)
        _text(x, "department", path, nullable=True)
        _text(x, "commitment", path)
        times["commitments"].append(parse_time(x["at"], path + ".at"))
    times["closedAt"] = None if c["closedAt"] is None else parse_time(c["closedAt"], "ceremony.closedAt")
    if not isinstance(c["reveals"], list):
        raise Malformed("ceremony.reveals: expected a list")
    for i, r in enumerate(c["reveals"]):
        path = f"ceremony.reveals[{i}]"
        _fields(r, path, ("witness", "value", "nonce", "at"))
        for name in ("witness", "value", "nonce"):
            _text(r, name, path)
        times["reveals"].append(parse_time(r["at"], path + ".at"))
    times["beaconValue"] = None
    if c["beaconValue"] is not None:
        bv = _fields(c["beaconValue"], "ceremony.beaconValue", ("value", "at"))
        _text(bv, "value", "ceremony.beaconValue")
        times["beaconValue"] = parse_time(bv["at"], "ceremony.beaconValue.at")
    return times


def ceremony_problems(task_id, c, times):
    """Spec 3.3's checks of a ceremony besides the seed, one named difference each."""
    problems = []
    if c["version"] != CEREMONY_VERSION:
        problems.append(f"ceremony.version: {c['version']}, this verifier reads version {CEREMONY_VERSION}")
    witnesses = [x["witness"] for x in c["commitments"]]
    for w in sorted(set(w for w in witnesses if witnesses.count(w) > 1)):
        problems.append(f"ceremony.commitments: witness {json.dumps(w, ensure_ascii=False)} committed {witnesses.count(w)} times (a witness commits once)")
    distinct = len(set(witnesses))
    if distinct < c["minimumWitnesses"]:
        problems.append(f"ceremony.commitments: {distinct} distinct witness(es), fewer than minimumWitnesses {c['minimumWitnesses']}")
    expected_at, closed = times["expectedAt"], times["closedAt"]
    if closed is None:
        problems.append("ceremony.closedAt: null, the commitments never closed")
    else:
        if not closed < expected_at:
            problems.append(f"ceremony.closedAt: {c['closedAt']} is not before the beacon round's expectedAt "
                            f"{c['beacon']['expectedAt']} (the commitments must close before the round is due)")
        for i, at in enumerate(times["commitments"]):
            if at > closed:
                problems.append(f"ceremony.commitments[{i}].at: {c['commitments'][i]['at']} is after closedAt {c['closedAt']} "
                                "(no commitment after the close)")
    if times["beaconValue"] is None:
        problems.append("ceremony.beaconValue: null, the beacon value was never recorded (the seed waits for it)")
    elif times["beaconValue"] < expected_at:
        problems.append(f"ceremony.beaconValue.at: {c['beaconValue']['at']} is before the round's expectedAt "
                        f"{c['beacon']['expectedAt']} (its value cannot be known before it is due)")
    committed = {}
    for x in c["commitments"]:
        committed.setdefault(x["witness"], x["commitment"])
    seen = set()
    for i, r in enumerate(c["reveals"]):
        who = json.dumps(r["witness"], ensure_ascii=False)
        if r["witness"] in seen:
            problems.append(f"ceremony.reveals[{i}]: {who} revealed more than once")
        seen.add(r["witness"])
        if r["witness"] not in committed:
            problems.append(f"ceremony.reveals[{i}]: {who} revealed without a commitment")
        elif witness_commitment(task_id, r["value"], r["nonce"]) != committed[r["witness"]]:
            problems.append(f"ceremony.reveals[{i}]: the value and nonce of {who} do not open its commitment "
                            f"{committed[r['witness']]}")
    return problems


def derive_seed_v2(secret, task_id, algorithm, c, times):
    """Spec 3.3: seed v2 over the named beacon, every commitment in recorded order (with its witness's reveal, or
    unopened) and the beacon value."""
    beacon = c["beacon"]
    buf = (lp("supervision/seed/v2") + lp(secret) + lp(task_id) + lp(algorithm)
           + lp(beacon["source"]) + lp(beacon["round"]) + lp(utc_text(times["expectedAt"])))
    buf += struct.pack(">I", len(c["commitments"]))
    reveals = {}
    for r in c["reveals"]:
        reveals.setdefault(r["witness"], r)
    for x in c["commitments"]:
        buf += lp(x["witness"]) + lp(x["commitment"])
        r = reveals.get(x["witness"])
        buf += b"\x00" if r is None else b"\x01" + lp(r["value"]) + lp(r["nonce"])
    buf += lp(c["beaconValue"]["value"])
    return sha256(buf)


def pack_seed(pack, secret, diffs):
    """The seed a pack's inputs give: spec 3.2 (v1) without a `ceremony`, spec 3.3 (v2) with one, appending the
    ceremony's differences. Answers the seed bytes, or None when it cannot be computed (the reason appended)."""
    c = pack.get("ceremony")
    if c is None:
        if not pack.get("entropy"):
            diffs.append("entropy: a pack without a ceremony needs at least one entropy entry (spec 3.2)")
            return None
        return derive_seed(secret, pack["taskId"], pack["algorithm"], pack["entropy"], pack["beacon"])
    if pack.get("entropy") != []:
        diffs.append("entropy: a pack with a ceremony must have entropy [] (spec 3.3: the witnesses' contributions are "
                     "in the ceremony only)")
    if pack.get("beacon") is not None:
        diffs.append("beacon: a pack with a ceremony must have beacon null (spec 3.3: the beacon is the ceremony's)")
    try:
        times = read_ceremony(c)
    except Malformed as e:
        diffs.append(str(e))
        return None
    diffs.extend(ceremony_problems(pack["taskId"], c, times))
    if c["beaconValue"] is None:
        return None
    return derive_seed_v2(secret, pack["taskId"], pack["algorithm"], c, times)


def draw_key(domain, seed, task_id, algorithm):
    return sha256(lp(domain) + lp(seed) + lp(task_id) + lp(algorithm))


def top52(h):
    return int.from_bytes(h[:8], "big") >> 12


def uniform(m):
    return (2 * m + 1) / TWO53  # exact: 2m+1 < 2^53


def parse_weight(text):
    int_part, dot, frac = text.partition(".")
    if not (1 <= len(int_part) <= 9) or not int_part.isdigit() or not int_part.isascii():
        return None
    if len(int_part) > 1 and int_part[0] == "0":
        return None
    if dot and (not (1 <= len(frac) <= 6) or not frac.isdigit() or not frac.isascii() or frac[-1] == "0"):
        return None
    micros = int(int_part) * SCALE + (int(frac.ljust(6, "0")) if frac else 0)
    return micros if micros > 0 else None


def format_weight(micros):
    integer, frac = divmod(micros, SCALE)
    return str(integer) if frac == 0 else f"{integer}.{frac:06d}".rstrip("0")


def parse_population(data):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SpecError(f"the snapshot is not UTF-8 ({e})")
    header = "member_id,stratum,weight\n"
    if not text.startswith(header):
        raise SpecError("the snapshot must start with the header line 'member_id,stratum,weight'")
    if not text.endswith("\n"):
        raise SpecError("the snapshot must end with a line feed")
    lines = text.split("\n")[1:-1]
    members = []
    previous = None
    for n, line in enumerate(lines, start=2):
        parts = line.split(",")
        if len(parts) != 3:
            raise SpecError(f"line {n}: expected 3 fields")
        mid, stratum, wtext = parts
        if len(mid) != 18 or not set(mid) <= ID_CHARS:
            raise SpecError(f"line {n}: member id '{mid}' is not 18 characters of [0-9A-Z]")
        if not (1 <= len(stratum) <= 16) or not set(stratum) <= STRATUM_CHARS:
            raise SpecError(f"line {n}: bad stratum '{stratum}'")
        w = parse_weight(wtext)
        if w is None or w > MAX_MICROS:
            raise SpecError(f"line {n}: weight '{wtext}' is not canonical")
        if previous is not None and previous >= mid:
            raise SpecError(f"line {n}: member ids must be strictly increasing (sorted, unique)")
        previous = mid
        members.append((mid, stratum, w))
    return members


def parse_ratio(text):
    int_part, dot, frac = text.partition(".")
    if int_part not in ("0", "1"):
        return None
    if dot and (not (1 <= len(frac) <= 6) or not frac.isdigit() or not frac.isascii()):
        return None
    micros = (SCALE if int_part == "1" else 0) + (int(frac.ljust(6, "0")) if frac else 0)
    return micros if 0 < micros <= SCALE else None


def entity_draw(seed, task_id, algorithm, params, members):
    key = draw_key("supervision/draw/entity/v1", seed, task_id, algorithm)
    strata = [s["stratum"] for s in params["strata"]]
    index = {s: i for i, s in enumerate(strata)}
    exclusions = {}
    for e in params["exclusions"]:
        if e["memberId"] in exclusions:
            raise SpecError(f"member {e['memberId']} is excluded twice")
        exclusions[e["memberId"]] = e["reason"]
    excluded = {}
    scope = []
    for mid, stratum, w in members:
        if stratum not in index:
            continue
        if mid in exclusions:
            excluded[exclusions[mid]] = excluded.get(exclusions[mid], 0) + 1
            continue
        scope.append((mid, index[stratum], w))
    counts = [0] * len(strata)
    for _, s, _ in scope:
        counts[s] += 1

    def member_hash(mid):
        return sha256(key + lp(mid))

    drawn = []
    per_stratum = [0] * len(strata)
    mode = params["mode"]
    pareto = None
    if mode == "stratified":
        if params.get("totalCount") is not None:
            raise SpecError("stratified mode takes no total")
        quota = []
        for i, rule in enumerate(params["strata"]):
            n = counts[i]
            has_count, has_ratio = rule.get("count") is not None, rule.get("ratio") is not None
            if has_count == has_ratio:
                raise SpecError(f"stratum {rule['stratum']}: give exactly one of count or ratio")
            minimum = rule.get("minimum", 1)
            if minimum < 1 or (has_count and rule["count"] < 1):
                raise SpecError(f"stratum {rule['stratum']}: count/minimum must be at least 1")
            if n == 0:
                quota.append(0)
                continue
            if has_count:
                q = rule["count"]
            else:
                r = parse_ratio(rule["ratio"])
                if r is None:
                    raise SpecError(f"stratum {rule['stratum']}: bad ratio")
                q = max(-(-(r * n) // SCALE), minimum)
            quota.append(min(q, n))
        chosen = []
        for s in range(len(strata)):
            cands = sorted(((top52(member_hash(mid)), mid, w) for mid, st, w in scope if st == s))
            for r, (m, mid, w) in enumerate(cands[: quota[s]], start=1):
                chosen.append((m, mid, s, w, r))
            per_stratum[s] = min(quota[s], len(cands))
        chosen.sort(key=lambda c: (c[0], c[1]))
        for rank, (m, mid, s, w, r) in enumerate(chosen, start=1):
            q, n = quota[s], counts[s]
            drawn.append({
                "rank": rank, "memberId": mid, "stratum": strata[s], "weight": format_weight(w),
                "rankInStratum": r, "hash": member_hash(mid).hex(), "uniform": uniform(m),
                "key": f"{2 * m + 1}/{TWO53}", "keyApprox": uniform(m),
                "inclusionProbability": f"{q}/{n}", "inclusionProbabilityApprox": q / n, "certain": q == n,
            })
    elif mode == "pareto":
        total = params.get("totalCount")
        if total is None or total < 1:
            raise SpecError("pareto mode needs a total count of at least 1")
        d = sum(w for _, _, w in scope)
        total_weight = d
        weights = sorted((w for _, _, w in scope), reverse=True)
        a, c = total, 0
        while c < len(weights) and a > 0 and a * weights[c] >= d:
            d -= weights[c]
            a -= 1
            c += 1
        threshold = weights[c - 1] if c > 0 else None
        certain = sorted((mid, s, w) for mid, s, w in scope if threshold is not None and w >= threshold)
        rest = []
        for mid, s, w in scope:
            if threshold is not None and w >= threshold:
                continue
            m = top52(member_hash(mid))
            num = (2 * m + 1) * (d - a * w)
            den = (TWO53 - 2 * m - 1) * a * w
            rest.append((Fraction(num, den), mid, s, w, m, num, den))
        rest.sort(key=lambda x: (x[0], x[1]))
        in_stratum = [0] * len(strata)
        for mid, s, w in certain:
            h = member_hash(mid)
            per_stratum[s] += 1
            in_stratum[s] += 1
            drawn.append({
                "rank": len(drawn) + 1, "memberId": mid, "stratum": strata[s], "weight": format_weight(w),
                "rankInStratum": in_stratum[s], "hash": h.hex(), "uniform": uniform(top52(h)),
                "key": "0/1", "keyApprox": 0, "inclusionProbability": "1/1", "inclusionProbabilityApprox": 1,
                "certain": True,
            })
        for key_value, mid, s, w, m, num, den in rest[:a]:
            per_stratum[s] += 1
            in_stratum[s] += 1
            drawn.append({
                "rank": len(drawn) + 1, "memberId": mid, "stratum": strata[s], "weight": format_weight(w),
                "rankInStratum": in_stratum[s], "hash": member_hash(mid).hex(), "uniform": uniform(m),
                "key": f"{num}/{den}", "keyApprox": float(key_value),
                "inclusionProbability": f"{a * w}/{d}", "inclusionProbabilityApprox": (a * w) / d, "certain": False,
            })
        pareto = {"total": total, "certainCount": c, "a": a,
                  "uncappedWeightSumMicros": str(d), "totalWeightSumMicros": str(total_weight)}
    else:
        raise SpecError(f"unknown mode '{mode}'")
    return {
        "mode": mode,
        "strata": [{"stratum": strata[i], "populationCount": counts[i], "drawnCount": per_stratum[i]} for i in range(len(strata))],
        "exclusions": [{"reason": r, "count": excluded[r]} for r in sorted(excluded)],
        "pareto": pareto,
        "drawn": drawn,
    }


def pool_index(seed, task_id, algorithm, params, pool):
    """What the draw and a replacement both read (spec 8): the inspector key, each department's items, the draw date,
    the declared conflicts and each entity's previous team."""
    key = draw_key("supervision/draw/inspector/v1", seed, task_id, algorithm)
    requirements = {d["department"]: d["items"] for d in params["departments"]}
    date = datetime.date.fromisoformat(params["drawDate"])
    conflicts = {(c["certificateNo"], c["memberId"]) for c in pool["conflicts"]}
    previous = {}
    for p in pool["previousInspections"]:
        previous.setdefault(p["memberId"], set()).update(p["certificateNos"])
    return key, requirements, date, conflicts, previous


def inspector_draw(seed, task_id, algorithm, params, pool, drawn):
    departments = params["departments"]
    team_size, cap = params["teamSize"], params["workloadCap"]
    if team_size < 2 or team_size < len(departments) or cap < 1:
        raise SpecError("invalid team size or workload cap")
    key, requirements, date, conflicts, previous = pool_index(seed, task_id, algorithm, params, pool)
    assigned = {}
    teams = []
    for entity in sorted(drawn, key=lambda e: e["rank"]):
        mid = entity["memberId"]
        eligible = []
        tally = {d["department"]: {} for d in departments}
        per_dep = {d["department"]: 0 for d in departments}
        for insp in pool["inspectors"]:
            dep = insp["department"]
            if dep not in requirements:
                continue
            cert = insp["certificateNo"]
            reason = None
            if not insp["active"]:
                reason = "inactive"
            elif not (datetime.date.fromisoformat(insp["certificateValidFrom"]) <= date <= datetime.date.fromisoformat(insp["certificateValidUntil"])):
                reason = "certificate not valid on draw date"
            else:
                for item in requirements[dep]:
                    if item not in insp["qualifications"]:
                        reason = f"not qualified for item {item}"
                        break
            if reason is None:
                if (cert, mid) in conflicts:
                    reason = "declared conflict"
                elif cert in previous.get(mid, ()):
                    reason = "on previous inspection (rotation)"
                elif insp["currentWorkload"] + assigned.get(cert, 0) >= cap:
                    reason = "at workload cap"
            if reason is not None:
                tally[dep][reason] = tally[dep].get(reason, 0) + 1
                continue
            h = sha256(key + lp(mid) + lp(cert))
            eligible.append((top52(h), cert, dep, h))
            per_dep[dep] += 1
        eligible.sort(key=lambda e: (e[0], e[1]))
        uncovered = set(requirements)
        team = []
        for cand in eligible:
            if len(team) == team_size:
                break
            after = len(uncovered) - (1 if cand[2] in uncovered else 0)
            if after > team_size - len(team) - 1:
                continue
            team.append(cand)
            uncovered.discard(cand[2])
        if len(team) < team_size or uncovered:
            conditions = []
            if len(eligible) < team_size:
                conditions.append(f"team size {team_size} needs {team_size} eligible inspectors; only {len(eligible)} eligible")
            for d in departments:
                dep = d["department"]
                if per_dep[dep] > 0:
                    continue
                t = tally[dep]
                excluded = "the department has no inspectors in the pool" if not t else "; ".join(f"{t[r]} excluded: {r}" for r in sorted(t))
                conditions.append(f"department {dep}: no eligible inspector qualified for items [{' '.join(d['items'])}] ({excluded})")
            if not conditions:
                conditions.append("no team satisfies the department coverage rule")
            message = f"Cannot staff entity {mid} (draw rank {entity['rank']}): " + ". ".join(conditions) + "."
            return {"teams": [], "failure": {"memberId": mid, "rank": entity["rank"], "missingConditions": conditions, "message": message}}
        for m, cert, dep, h in team:
            assigned[cert] = assigned.get(cert, 0) + 1
        teams.append({
            "rank": entity["rank"], "memberId": mid, "eligibleCount": len(eligible),
            "members": [{"position": i + 1, "certificateNo": cert, "department": dep, "lead": i == 0,
                         "hash": h.hex(), "uniform": uniform(m)} for i, (m, cert, dep, h) in enumerate(team)],
        })
    return {"teams": teams, "failure": None}


def _screen(insp, items, mid, date, cap, conflicts, previous, assigned):
    """Draw spec 8, conditions 1-6: the first one an inspector fails for entity mid, or None."""
    cert = insp["certificateNo"]
    if not insp["active"]:
        return "inactive"
    if not (datetime.date.fromisoformat(insp["certificateValidFrom"]) <= date <= datetime.date.fromisoformat(insp["certificateValidUntil"])):
        return "certificate not valid on draw date"
    for item in items:
        if item not in insp["qualifications"]:
            return f"not qualified for item {item}"
    if (cert, mid) in conflicts:
        return "declared conflict"
    if cert in previous.get(mid, ()):
        return "on previous inspection (rotation)"
    if insp["currentWorkload"] + assigned.get(cert, 0) >= cap:
        return "at workload cap"
    return None


def replace_member(seed, task_id, algorithm, params, pool, teams, earlier_replaced, member_id, certificate_no, reason):
    """Draw spec 8.1: (record, new teams) for one request over the current teams, or (refusal text, None)."""
    reason = reason.strip() if isinstance(reason, str) else ""
    if not 1 <= len(reason) <= 500:
        return "not a valid request: reason must be 1-500 characters", None
    index = next((i for i, t in enumerate(teams) if t["memberId"] == member_id), None)
    if index is None:
        return f"not a valid request: memberId {member_id} has no team", None
    team = teams[index]
    leaving = next((m for m in team["members"] if m["certificateNo"] == certificate_no), None)
    if leaving is None:
        return f"not a valid request: certificateNo {certificate_no} is not on the team of {member_id}", None
    key, requirements, date, conflicts, previous = pool_index(seed, task_id, algorithm, params, pool)
    assigned = {}
    for t in teams:
        for m in t["members"]:
            assigned[m["certificateNo"]] = assigned.get(m["certificateNo"], 0) + 1
    assigned[certificate_no] -= 1
    out = set(earlier_replaced) | {certificate_no}
    others = {m["certificateNo"] for m in team["members"] if m["certificateNo"] != certificate_no}
    eligible = []
    for insp in pool["inspectors"]:
        dep = insp["department"]
        if dep not in requirements:
            continue
        if _screen(insp, requirements[dep], member_id, date, params["workloadCap"], conflicts, previous, assigned) is not None:
            continue
        cert = insp["certificateNo"]
        if cert in out or cert in others:
            continue
        h = sha256(key + lp(member_id) + lp(cert))
        eligible.append((top52(h), cert, dep, h))
    eligible.sort(key=lambda e: (e[0], e[1]))
    covered = {m["department"] for m in team["members"] if m["certificateNo"] != certificate_no}
    for m, cert, dep, h in eligible:
        if not all(d in covered or d == dep for d in requirements):
            continue
        member = {"position": leaving["position"], "certificateNo": cert, "department": dep, "lead": leaving["lead"],
                  "hash": h.hex(), "uniform": uniform(m)}
        changed = dict(team, members=[member if x["certificateNo"] == certificate_no else x for x in team["members"]])
        record = {"memberId": member_id, "replaced": certificate_no, "replacement": cert, "reason": reason,
                  "hash": h.hex(), "uniform": uniform(m)}
        return record, [changed if i == index else t for i, t in enumerate(teams)]
    return f"no inspector qualifies ({len(eligible)} eligible)", None


def check_replacements(seed, pack, section, pool, teams, diffs):
    """Replays inspectorDraw.replacements (draw spec 8.1), applying each recomputed one; names each that differs."""
    replaced = []
    for i, r in enumerate(section.get("replacements") or []):
        path = f"inspectorDraw.replacements[{i}]"
        rule, new_teams = replace_member(seed, pack["taskId"], pack["algorithm"], section["parameters"], pool, teams, replaced,
                                         r.get("memberId"), r.get("replaced"), r.get("reason"))
        if new_teams is None:
            diffs.append(f"{path}: pack replaces {r.get('replaced')} by {r.get('replacement')}, recomputed refused ({rule})")
            continue
        for name in ("replacement", "hash", "uniform", "reason"):
            if r.get(name) != rule[name]:
                diffs.append(f"{path}.{name}: pack {json.dumps(r.get(name), ensure_ascii=False)}, recomputed {json.dumps(rule[name], ensure_ascii=False)}")
        replaced.append(rule["replaced"])
        teams = new_teams


def compare(path, pack, recomputed, diffs):
    show = lambda v: json.dumps(v, ensure_ascii=False)
    if isinstance(pack, dict) and isinstance(recomputed, dict):
        for name in sorted(set(pack) | set(recomputed)):
            if name not in recomputed:
                diffs.append(f"{path}.{name}: present in pack, not in recomputation")
            elif name not in pack:
                diffs.append(f"{path}.{name}: missing from pack, recomputed {show(recomputed[name])}")
            else:
                compare(f"{path}.{name}", pack[name], recomputed[name], diffs)
    elif isinstance(pack, list) and isinstance(recomputed, list):
        if len(pack) != len(recomputed):
            diffs.append(f"{path}: pack has {len(pack)} entries, recomputed {len(recomputed)}")
        for i, (p, r) in enumerate(zip(pack, recomputed)):
            compare(f"{path}[{i}]", p, r, diffs)
    else:
        is_num = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
        if is_num(pack) and is_num(recomputed):
            if path.endswith("Approx"):
                equal = abs(pack - recomputed) <= 1e-12 * max(abs(pack), abs(recomputed))
            else:
                equal = float(pack) == float(recomputed)
        else:
            equal = type(pack) is type(recomputed) and pack == recomputed
        if not equal:
            diffs.append(f"{path}: pack {show(pack)}, recomputed {show(recomputed)}")



def exclusions_sha256(exclusions):
    """Draw spec 9.3: lines "memberId TAB reason LF", sorted by member id, UTF-8, SHA-256."""
    lines = "".join(e["memberId"] + "\t" + e["reason"] + "\n" for e in sorted(exclusions, key=lambda e: e["memberId"]))
    return sha256(lines.encode("utf-8")).hex()


def inspectors_sha256(inspectors):
    """Draw spec 9.2: one tab-separated line per inspector, in the pool's order, LF-terminated, UTF-8, SHA-256."""
    lines = "".join(
        "\t".join([i["certificateNo"], i["department"], "1" if i["active"] else "0", i["certificateValidFrom"],
                   i["certificateValidUntil"], ",".join(i["qualifications"]), str(i["currentWorkload"])]) + "\n"
        for i in inspectors)
    return sha256(lines.encode("utf-8")).hex()

def verify(pack_bytes, population_bytes, pool_bytes=None):
    diffs, notes = [], []
    try:
        pack = json.loads(pack_bytes)
    except ValueError as e:
        return [f"pack: not a readable pack ({e})"], notes
    if pack.get("format") != FORMAT:
        diffs.append(f"format: pack says '{pack.get('format')}', this verifier reads '{FORMAT}'")
    if pack.get("algorithm") != ALGORITHM:
        diffs.append(f"algorithm: pack says '{pack.get('algorithm')}', this verifier implements '{ALGORITHM}'")
    try:
        secret = bytes.fromhex(pack["revealedSecret"])
    except (ValueError, KeyError, TypeError):
        secret = b""
    if len(secret) != 32:
        return diffs + ["revealedSecret: not 64 hex digits"], notes
    commitment = sha256(secret).hex()
    if commitment != pack["secretCommitment"].lower():
        diffs.append(f"secretCommitment: pack {pack['secretCommitment']}, SHA-256(revealedSecret) = {commitment}")
    seed = pack_seed(pack, secret, diffs)
    if seed is None:
        return diffs, notes
    if seed.hex() != pack["seed"].lower():
        diffs.append(f"seed: pack {pack['seed']}, recomputed {seed.hex()}")
    population_hash = sha256(population_bytes).hex()
    if population_hash != pack["population"]["sha256"]:
        diffs.append(f"population.sha256: pack {pack['population']['sha256']}, snapshot file {population_hash}")
    try:
        members = parse_population(population_bytes)
        if len(members) != pack["population"]["memberCount"]:
            diffs.append(f"population.memberCount: pack {pack['population']['memberCount']}, snapshot file {len(members)}")
        result = entity_draw(seed, pack["taskId"], pack["algorithm"], pack["entityDraw"]["parameters"], members)
    except SpecError as e:
        return diffs + [f"entityDraw: cannot recompute ({e})"], notes
    # The commitments first: many result differences must not crowd them out of the printed list.
    committed = pack["population"].get("exclusionsSha256")
    if committed is None:
        notes.append("exclusions not checked against a freeze: the pack has no population.exclusionsSha256")
    elif exclusions_sha256(pack["entityDraw"]["parameters"]["exclusions"]) != committed:
        diffs.append(f"population.exclusionsSha256: pack {committed}, the parameters' exclusions {exclusions_sha256(pack['entityDraw']['parameters']['exclusions'])}")
    compare("entityDraw.result", pack["entityDraw"]["result"], result, diffs)
    section = pack.get("inspectorDraw")
    if section is not None:
        if pool_bytes is None:
            diffs.append("inspectorDraw: the inspector draw cannot be checked without the inspector pool file "
                         "(give inspectors.json as the third argument)")
        else:
            pool_hash = sha256(pool_bytes).hex()
            if pool_hash != section["poolSha256"]:
                diffs.append(f"inspectorDraw.poolSha256: pack {section['poolSha256']}, pool file {pool_hash}")
            try:
                pool = json.loads(pool_bytes)
                frozen = section.get("frozenInspectorsSha256")
                if frozen is None:
                    notes.append("inspector pool not checked against a freeze: the pack has no frozenInspectorsSha256")
                elif inspectors_sha256(pool["inspectors"]) != frozen:
                    diffs.append(f"inspectorDraw.frozenInspectorsSha256: pack {frozen}, the pool's inspectors {inspectors_sha256(pool['inspectors'])}")
                teams = inspector_draw(seed, pack["taskId"], pack["algorithm"], section["parameters"], pool, result["drawn"])
                compare("inspectorDraw.result", section["result"], teams, diffs)
                if section.get("replacements"):
                    if teams["failure"] is not None:
                        diffs.append("inspectorDraw.replacements: the draw recomputes as failed, so it has no teams to replace members of")
                    else:
                        check_replacements(seed, pack, section, pool, teams["teams"], diffs)
            except SpecError as e:
                diffs.append(f"inspectorDraw: cannot recompute ({e})")
    elif pool_bytes is not None:
        notes.append("an inspector pool was given but the pack has no inspector draw")
    return diffs, notes


# ---------------------------------------------------------------------------------------------------------------
# Draw spec 11: verifying without classes (class-free public pack, members file, receipts, auditor).
# ---------------------------------------------------------------------------------------------------------------

PUBLIC_FORMAT = "supervision-draw-pack/public-1"
RECEIPT_FORMAT = "supervision-draw-receipt/1"
MEMBERS_HEADER = "member_id,commitment\n"
NL = b"\n"
HEX_DIGITS = set("0123456789abcdef")


def is_hex(value, nbytes):
    """Lowercase hex of exactly nbytes bytes (spec 2: hex is lowercase)."""
    return isinstance(value, str) and len(value) == 2 * nbytes and set(value) <= HEX_DIGITS


def is_member_id(value):
    return isinstance(value, str) and len(value) == 18 and set(value) <= ID_CHARS


def is_stratum(value):
    return isinstance(value, str) and 1 <= len(value) <= 16 and set(value) <= STRATUM_CHARS


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def canonical_int(text):
    """Spec 11.2: integers in openings are decimal text without sign or leading zeros. Returns the int or None."""
    if not isinstance(text, str) or not text or not text.isascii() or not text.isdigit():
        return None
    if len(text) > 1 and text[0] == "0":
        return None
    return int(text)


def member_salt(members_key, member_id):
    """Spec 11.1: salt(id) = first 16 bytes of SHA256(LP("supervision/member-salt/v1") || LP(membersKey) || LP(id))."""
    return sha256(lp("supervision/member-salt/v1") + lp(members_key) + lp(member_id))[:16]


def member_commitment(salt, member_id, stratum, weight_text):
    """Spec 11.1: SHA256(LP("supervision/member/v1") || LP(salt) || LP(id) || LP(stratum) || LP(weight))."""
    return sha256(lp("supervision/member/v1") + lp(salt) + lp(member_id) + lp(stratum) + lp(weight_text))


def members_file(population_bytes, members_key):
    """Spec 11.1: the members file's bytes, one commitment line per snapshot row in the snapshot's order."""
    lines = [MEMBERS_HEADER]
    for mid, stratum, w in parse_population(population_bytes):
        commitment = member_commitment(member_salt(members_key, mid), mid, stratum, format_weight(w))
        lines.append(f"{mid},{commitment.hex()}\n")
    return "".join(lines).encode("utf-8")


def parse_members_file(data):
    """Spec 11.3 check 2 (format part): returns [(memberId, commitment hex)]; raises SpecError on any deviation."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SpecError(f"not UTF-8 ({e})")
    if not text.startswith(MEMBERS_HEADER):
        raise SpecError("must start with the header line 'member_id,commitment'")
    if not text.endswith("\n"):
        raise SpecError("must end with a line feed")
    rows, previous = [], None
    for n, line in enumerate(text.split("\n")[1:-1], start=2):
        parts = line.split(",")
        if len(parts) != 2:
            raise SpecError(f"line {n}: expected 'member_id,commitment'")
        mid, commitment = parts
        if not is_member_id(mid):
            raise SpecError(f"line {n}: member id '{mid}' is not 18 characters of [0-9A-Z]")
        if not is_hex(commitment, 32):
            raise SpecError(f"line {n}: commitment is not 64 lowercase hex digits")
        if previous is not None and previous >= mid:
            raise SpecError(f"line {n}: member ids must be strictly increasing (sorted, unique)")
        previous = mid
        rows.append((mid, commitment))
    return rows


def seal_salt(members_key, name):
    """Spec 11.2: sealSalt(name) = first 16 bytes of SHA256(LP("supervision/seal-salt/v1") || LP(membersKey) || LP(name))."""
    return sha256(lp("supervision/seal-salt/v1") + lp(members_key) + lp(name))[:16]


def seal_value(salt, name, opening):
    """Spec 11.2: SHA256(LP("supervision/seal/v1") || LP(salt) || LP(name) || LP(opening[0]) || ...)."""
    buf = lp("supervision/seal/v1") + lp(salt) + lp(name)
    for text in opening:
        buf += lp(text)
    return sha256(buf)


def seal_names(params):
    """Spec 11.2 / 11.3 check 5: 'stratum/<h>' per stratum rule in parameter order, or 'pareto'."""
    if params["mode"] == "pareto":
        return ["pareto"]
    return ["stratum/" + rule["stratum"] for rule in params["strata"]]


def stratum_quota(rule, population_count):
    """Spec 6.1: n_h from N_h and a stratified rule (count or ratio, minimum); exact integers."""
    if population_count == 0:
        return 0
    if rule.get("count") is not None:
        return min(rule["count"], population_count)
    r = parse_ratio(rule["ratio"])
    minimum = 1 if rule.get("minimum") is None else rule["minimum"]
    return min(population_count, max(minimum, -(-(r * population_count) // SCALE)))


def stratified_threshold(ordered, n):
    """Spec 11.2: threshold text from the remaining members of one stratum in (m, memberId) order and n_h."""
    if n == 0:
        return "none"
    if n == len(ordered):
        return "all"
    (x, xid), (y, _) = ordered[n - 1], ordered[n]
    if x != y:
        lo, hi = 2 * x + 1, 2 * y + 1
        for k in range(63, -1, -1):
            t = (lo // (1 << k) + 1) * (1 << k)
            if t <= hi:
                return f"{t}/{TWO53}"
    return f"{2 * x + 1}/{TWO53};{xid}"


def pareto_key(m, w, a, d):
    """Spec 6.2: the exact key (p, q) = ((2m+1)(D - a w), (2^53 - 2m - 1) a w), unreduced."""
    return (2 * m + 1) * (d - a * w), (TWO53 - 2 * m - 1) * a * w


def pareto_threshold(ordered, a):
    """Spec 11.2: threshold text from the non-certain remaining members as [(p, q, memberId)] in (key, memberId) order."""
    if a == 0:
        return "none"
    if len(ordered) <= a:
        return "all"
    (p1, q1, id1), (p2, q2, _) = ordered[a - 1], ordered[a]
    if p1 * q2 != p2 * q1:
        e = 0
        while True:
            j = p1 * (1 << e) // q1 + 1
            if j * q2 <= p2 * (1 << e):
                return f"{j}/{1 << e}"
            e += 1
    return f"{p1}/{q1};{id1}"


def seal_openings(seed, task_id, algorithm, params, members):
    """Spec 11.2: [(name, opening texts)] for a draw, computed from the whole population (the auditor's side)."""
    result = entity_draw(seed, task_id, algorithm, params, members)   # validates the parameters, gives N_h, n_h, a, D, c
    key = draw_key("supervision/draw/entity/v1", seed, task_id, algorithm)
    strata = [rule["stratum"] for rule in params["strata"]]
    if len(set(strata)) != len(strata):
        raise SpecError("a stratum is listed twice in the parameters")
    excluded = {e["memberId"] for e in params["exclusions"]}
    remaining = [(mid, stratum, w) for mid, stratum, w in members if stratum in strata and mid not in excluded]
    if params["mode"] == "stratified":
        openings = []
        for rule, census in zip(params["strata"], result["strata"]):
            h = rule["stratum"]
            ordered = sorted((top52(sha256(key + lp(mid))), mid) for mid, s, _ in remaining if s == h)
            big_n, n = census["populationCount"], census["drawnCount"]
            if big_n != len(ordered) or n != stratum_quota(rule, big_n):
                raise SpecError(f"stratum {h}: census disagrees with the scan")
            openings.append(("stratum/" + h, [str(big_n), str(n), stratified_threshold(ordered, n)]))
        return openings
    pareto = result["pareto"]
    a, d, c = pareto["a"], int(pareto["uncappedWeightSumMicros"]), pareto["certainCount"]
    certain_from = sorted((w for _, _, w in remaining), reverse=True)[c - 1] if c > 0 else None
    others = []
    for mid, _, w in remaining:
        if certain_from is not None and w >= certain_from:
            continue
        p, q = pareto_key(top52(sha256(key + lp(mid))), w, a, d) if a > 0 else (0, 1)
        others.append((Fraction(p, q), mid, p, q))
    others.sort(key=lambda o: (o[0], o[1]))
    threshold = pareto_threshold([(p, q, mid) for _, mid, p, q in others], a)
    return [("pareto", [str(a), str(d), "" if certain_from is None else str(certain_from), threshold])]


def hash_order(drawn):
    """Spec 11.3: public 'drawn' entries sorted by (m, memberId), m taken from each entry's hash."""
    return sorted(({"memberId": d["memberId"], "hash": d["hash"], "uniform": d["uniform"]} for d in drawn),
                  key=lambda d: (top52(bytes.fromhex(d["hash"])), d["memberId"]))


def public_pack(full_pack, population_bytes, members_key):
    """Spec 11.3: the class-free public pack of a full pack (dict), built with the members key (None: no seals)."""
    population = full_pack["population"]
    params = full_pack["entityDraw"]["parameters"]
    seed = bytes.fromhex(full_pack["seed"])
    seals = []
    members_hash = None
    if members_key is not None:
        members_hash = sha256(members_file(population_bytes, members_key)).hex()
        openings = seal_openings(seed, full_pack["taskId"], full_pack["algorithm"], params, parse_population(population_bytes))
        seals = [{"name": name, "seal": seal_value(seal_salt(members_key, name), name, opening).hex()}
                 for name, opening in openings]
    drawn = full_pack["entityDraw"]["result"]["drawn"]
    return {
        "format": PUBLIC_FORMAT, "algorithm": full_pack["algorithm"], "taskId": full_pack["taskId"],
        "secretCommitment": full_pack["secretCommitment"], "revealedSecret": full_pack["revealedSecret"],
        "entropy": full_pack["entropy"], "beacon": full_pack["beacon"], "seed": full_pack["seed"],
        "population": {"sha256": population["sha256"], "membersSha256": members_hash,
                       "memberCount": population["memberCount"], "exclusionsSha256": population.get("exclusionsSha256")},
        "entityDraw": {"parameters": params, "drawnCount": len(drawn), "drawn": hash_order(drawn), "seals": seals},
    }


def receipt(full_pack, population_bytes, members_key, member_id):
    """Spec 11.4: one entity's receipt (what its signed link serves)."""
    rows = {mid: (stratum, w) for mid, stratum, w in parse_population(population_bytes)}
    params = full_pack["entityDraw"]["parameters"]
    excluded = {e["memberId"]: e["reason"] for e in params["exclusions"]}
    out = {"format": RECEIPT_FORMAT, "taskId": full_pack["taskId"], "memberId": member_id,
           "member": None, "excluded": excluded.get(member_id), "seal": None}
    if member_id not in rows:
        return out
    stratum, w = rows[member_id]
    out["member"] = {"stratum": stratum, "weight": format_weight(w), "salt": member_salt(members_key, member_id).hex()}
    openings = dict(seal_openings(bytes.fromhex(full_pack["seed"]), full_pack["taskId"], full_pack["algorithm"],
                                  params, parse_population(population_bytes)))
    name = "pareto" if params["mode"] == "pareto" else "stratum/" + stratum
    if stratum in {rule["stratum"] for rule in params["strata"]}:   # spec 11.4 check 3: out of scope, no seal
        out["seal"] = {"name": name, "salt": seal_salt(members_key, name).hex(), "opening": openings[name]}
    return out


def parse_stratified_threshold(text):
    """('none',) | ('all',) | ('lt', t, None) | ('lt', t, tieId); None when malformed. Denominator must be 2^53."""
    if text in ("none", "all"):
        return (text,)
    if not isinstance(text, str):
        return None
    body, semi, tie = text.partition(";")
    num, slash, den = body.partition("/")
    t = canonical_int(num)
    if not slash or den != str(TWO53) or t is None or not (1 <= t < TWO53):
        return None
    if semi:
        if not is_member_id(tie) or t % 2 == 0:
            return None
        return ("lt", t, tie)
    return ("lt", t, None)


def parse_pareto_threshold(text):
    """('none',) | ('all',) | ('lt', num, den, tieId or None); None when malformed."""
    if text in ("none", "all"):
        return (text,)
    if not isinstance(text, str):
        return None
    body, semi, tie = text.partition(";")
    num, slash, den = body.partition("/")
    p, q = canonical_int(num), canonical_int(den)
    if not slash or p is None or q is None or p == 0 or q == 0:
        return None
    if semi and not is_member_id(tie):
        return None
    return ("lt", p, q, tie if semi else None)


def stratified_fate(m, member_id, threshold):
    """Spec 11.2: drawn iff 2m+1 < t, or (tie form) 2m+1 = t and id <= the tie id."""
    if threshold[0] in ("none", "all"):
        return threshold[0] == "all"
    _, t, tie = threshold
    return 2 * m + 1 < t or (tie is not None and 2 * m + 1 == t and member_id <= tie)


def pareto_fate(p, q, member_id, threshold):
    """Spec 11.2 for a non-certain member with key p/q: drawn iff p/q < T, or (tie form) p/q = T and id <= tie id."""
    if threshold[0] in ("none", "all"):
        return threshold[0] == "all"
    _, t_num, t_den, tie = threshold
    return p * t_den < t_num * q or (tie is not None and p * t_den == t_num * q and member_id <= tie)


def expect_object(value, path, required, optional=()):
    if not isinstance(value, dict):
        raise Malformed(f"{path}: expected an object")
    missing = [k for k in required if k not in value]
    extra = sorted(k for k in value if k not in required and k not in optional)
    if missing:
        raise Malformed(f"{path}: missing field(s) {', '.join(missing)}")
    if extra:
        raise Malformed(f"{path}: unexpected field(s) {', '.join(extra)} (a class-free file carries only the spec's fields)")
    return value


def check_parameters(params, path):
    """Validates the entity parameters (spec 6, 9) as far as the public checks need them."""
    expect_object(params, path, ("mode", "strata", "totalCount", "exclusions"))
    mode = params["mode"]
    if mode not in ("stratified", "pareto"):
        raise Malformed(f"{path}.mode: unknown mode {json.dumps(mode)}")
    strata = params["strata"]
    if not isinstance(strata, list) or not strata:
        raise Malformed(f"{path}.strata: expected a non-empty list")
    names = set()
    for i, rule in enumerate(strata):
        rp = f"{path}.strata[{i}]"
        expect_object(rule, rp, ("stratum",), ("count", "ratio", "minimum"))
        if not is_stratum(rule["stratum"]):
            raise Malformed(f"{rp}.stratum: not 1-16 characters of [0-9A-Za-z_-]")
        if rule["stratum"] in names:
            raise Malformed(f"{rp}.stratum: '{rule['stratum']}' is listed twice")
        names.add(rule["stratum"])
        count, ratio, minimum = rule.get("count"), rule.get("ratio"), rule.get("minimum")
        if minimum is not None and (not is_int(minimum) or minimum < 1):
            raise Malformed(f"{rp}.minimum: must be an integer >= 1 (or null)")
        if mode == "stratified":
            if (count is None) == (ratio is None):
                raise Malformed(f"{rp}: give exactly one of count or ratio")
            if count is not None and (not is_int(count) or count < 1):
                raise Malformed(f"{rp}.count: must be an integer >= 1")
            if ratio is not None and (not isinstance(ratio, str) or parse_ratio(ratio) is None):
                raise Malformed(f"{rp}.ratio: not a ratio in (0, 1] with at most 6 fractional digits")
        elif count is not None or ratio is not None:
            raise Malformed(f"{rp}: a pareto draw's stratum rules have null count and ratio")
    total = params["totalCount"]
    if mode == "stratified" and total is not None:
        raise Malformed(f"{path}.totalCount: must be null in stratified mode")
    if mode == "pareto" and (not is_int(total) or total < 1):
        raise Malformed(f"{path}.totalCount: must be an integer >= 1 in pareto mode")
    if not isinstance(params["exclusions"], list):
        raise Malformed(f"{path}.exclusions: expected a list")
    for i, e in enumerate(params["exclusions"]):
        ep = f"{path}.exclusions[{i}]"
        expect_object(e, ep, ("memberId", "reason"))
        if not is_member_id(e["memberId"]):
            raise Malformed(f"{ep}.memberId: not 18 characters of [0-9A-Z]")
        if not isinstance(e["reason"], str) or not e["reason"] or set(e["reason"]) & set("\t\r\n"):
            raise Malformed(f"{ep}.reason: must be non-empty text without tab or line breaks (spec 9.3 hashes it as a line)")


def check_public(pack, members_bytes, diffs, notes):
    """Spec 11.3's public checks. Appends differences; returns a context for the receipt checks, or None when the pack
    is too malformed to go on."""
    try:
        expect_object(pack, "pack", ("format", "algorithm", "taskId", "secretCommitment", "revealedSecret", "entropy",
                                     "beacon", "seed", "population", "entityDraw"), ("ceremony",))
        population = expect_object(pack["population"], "population", ("sha256", "membersSha256", "memberCount", "exclusionsSha256"))
        section = expect_object(pack["entityDraw"], "entityDraw", ("parameters", "drawnCount", "drawn", "seals"))
        params = section["parameters"]
        check_parameters(params, "entityDraw.parameters")
        if not isinstance(pack["taskId"], str) or not pack["taskId"]:
            raise Malformed("taskId: expected non-empty text")
        entropy = pack["entropy"]
        if not isinstance(entropy, list):
            raise Malformed("entropy: expected a list")
        if not entropy and pack.get("ceremony") is None:
            raise Malformed("entropy: at least one entropy entry is required (spec 3.2)")
        for i, e in enumerate(entropy):
            expect_object(e, f"entropy[{i}]", ("witness", "value"))
            if not isinstance(e["witness"], str) or not isinstance(e["value"], str):
                raise Malformed(f"entropy[{i}]: witness and value must be text")
        if pack["beacon"] is not None:
            expect_object(pack["beacon"], "beacon", ("source", "value"))
            if not isinstance(pack["beacon"]["source"], str) or not isinstance(pack["beacon"]["value"], str):
                raise Malformed("beacon: source and value must be text")
        for path, value, nullable in (("secretCommitment", pack["secretCommitment"], False),
                                      ("revealedSecret", pack["revealedSecret"], False), ("seed", pack["seed"], False),
                                      ("population.sha256", population["sha256"], False),
                                      ("population.membersSha256", population["membersSha256"], True),
                                      ("population.exclusionsSha256", population["exclusionsSha256"], True)):
            if not (nullable and value is None) and not is_hex(value, 32):
                raise Malformed(f"{path}: not 64 lowercase hex digits")
        if not is_int(population["memberCount"]) or population["memberCount"] < 0:
            raise Malformed("population.memberCount: expected a non-negative integer")
        if not is_int(section["drawnCount"]) or section["drawnCount"] < 0:
            raise Malformed("entityDraw.drawnCount: expected a non-negative integer")
        if not isinstance(section["drawn"], list) or not isinstance(section["seals"], list):
            raise Malformed("entityDraw.drawn and entityDraw.seals must be lists")
        for i, d in enumerate(section["drawn"]):
            expect_object(d, f"entityDraw.drawn[{i}]", ("memberId", "hash", "uniform"))
            if not is_member_id(d["memberId"]) or not is_hex(d["hash"], 32):
                raise Malformed(f"entityDraw.drawn[{i}]: memberId must be a member id and hash 64 lowercase hex digits")
            if not isinstance(d["uniform"], (int, float)) or isinstance(d["uniform"], bool):
                raise Malformed(f"entityDraw.drawn[{i}].uniform: expected a number")
        for i, s in enumerate(section["seals"]):
            expect_object(s, f"entityDraw.seals[{i}]", ("name", "seal"))
    except Malformed as e:
        diffs.append(str(e))
        return None

    # 1. format, algorithm, commitment, seed
    if pack["format"] != PUBLIC_FORMAT:
        diffs.append(f"format: pack says {json.dumps(pack['format'])}, this verifier reads '{PUBLIC_FORMAT}'")
    if pack["algorithm"] != ALGORITHM:
        diffs.append(f"algorithm: pack says {json.dumps(pack['algorithm'])}, this verifier implements '{ALGORITHM}'")
    secret = bytes.fromhex(pack["revealedSecret"])
    if sha256(secret).hex() != pack["secretCommitment"]:
        diffs.append(f"secretCommitment: pack {pack['secretCommitment']}, SHA-256(revealedSecret) = {sha256(secret).hex()}")
    seed = pack_seed(pack, secret, diffs)
    if seed is None:
        return None
    if seed.hex() != pack["seed"]:
        diffs.append(f"seed: pack {pack['seed']}, recomputed {seed.hex()}")

    # 2. the members file
    committed = population["membersSha256"]
    members = None
    if committed is None:
        notes.append("members not checked: the pack has no population.membersSha256 (a task frozen before members were "
                     "committed); no receipt or seal check exists for it")
    else:
        try:
            rows = parse_members_file(members_bytes)
        except SpecError as e:
            diffs.append(f"members.csv: {e}")
        else:
            members = dict(rows)
            if len(rows) != population["memberCount"]:
                diffs.append(f"population.memberCount: pack {population['memberCount']}, members file {len(rows)}")
        actual = sha256(members_bytes).hex()
        if actual != committed:
            diffs.append(f"population.membersSha256: pack {committed}, members file {actual}")

    # 3. the exclusions
    exclusions = {}
    for i, e in enumerate(params["exclusions"]):
        if e["memberId"] in exclusions:
            diffs.append(f"entityDraw.parameters.exclusions[{i}]: member {e['memberId']} is excluded twice")
        elif members is not None and e["memberId"] not in members:
            diffs.append(f"entityDraw.parameters.exclusions[{i}]: {e['memberId']} is not in the members file")
        exclusions.setdefault(e["memberId"], e["reason"])
    if population["exclusionsSha256"] is None:
        notes.append("exclusions not checked against a freeze: the pack has no population.exclusionsSha256")
    elif exclusions_sha256(params["exclusions"]) != population["exclusionsSha256"]:
        diffs.append(f"population.exclusionsSha256: pack {population['exclusionsSha256']}, "
                     f"the parameters' exclusions {exclusions_sha256(params['exclusions'])}")

    # 4. drawn
    key = draw_key("supervision/draw/entity/v1", seed, pack["taskId"], pack["algorithm"])
    drawn = section["drawn"]
    if len(drawn) != section["drawnCount"]:
        diffs.append(f"entityDraw.drawnCount: pack {section['drawnCount']}, drawn lists {len(drawn)}")
    if params["mode"] == "pareto" and len(drawn) > params["totalCount"]:
        diffs.append(f"entityDraw.drawn: {len(drawn)} entries, more than the pareto totalCount {params['totalCount']}")
    seen, previous = {}, None
    for i, d in enumerate(drawn):
        mid, path = d["memberId"], f"entityDraw.drawn[{i}]"
        if mid in seen:
            diffs.append(f"{path}.memberId: {mid} is listed twice")
        if members is not None and mid not in members:
            diffs.append(f"{path}.memberId: {mid} is not in the members file")
        if mid in exclusions:
            diffs.append(f"{path}.memberId: {mid} is excluded ({exclusions[mid]}) but drawn")
        h = sha256(key + lp(mid))
        m = top52(h)
        seen[mid] = m
        if d["hash"] != h.hex():
            diffs.append(f"{path}.hash: pack {d['hash']}, recomputed {h.hex()}")
        u = uniform(m)
        if not abs(d["uniform"] - u) <= 1e-12 * max(abs(d["uniform"]), u):
            diffs.append(f"{path}.uniform: pack {d['uniform']!r}, recomputed {u!r}")
        if previous is not None and previous >= (m, mid):
            diffs.append(f"{path}: not in (m, memberId) order after {previous[1]}")
        previous = (m, mid)

    # 5. seals
    expected = seal_names(params) if committed is not None else []
    names = [s["name"] for s in section["seals"]]
    if names != expected:
        diffs.append(f"entityDraw.seals: names {json.dumps(names)}, the parameters give {json.dumps(expected)}")
    for i, s in enumerate(section["seals"]):
        if not is_hex(s["seal"], 32):
            diffs.append(f"entityDraw.seals[{i}].seal: not 64 lowercase hex digits")
    return {"seed": seed, "key": key, "params": params, "members": members, "exclusions": exclusions,
            "drawn": seen, "seals": {s["name"]: s["seal"] for s in section["seals"]}, "taskId": pack["taskId"],
            "committed": committed}


def check_receipt(ctx, rec, diffs):
    """Spec 11.4 checks 1-6 after the public checks. Returns the verdict text ('drawn' / 'not drawn (...)') or None."""
    try:
        expect_object(rec, "receipt", ("format", "taskId", "memberId", "member", "excluded", "seal"))
        if rec["member"] is not None:
            expect_object(rec["member"], "receipt.member", ("stratum", "weight", "salt"))
        if rec["seal"] is not None:
            expect_object(rec["seal"], "receipt.seal", ("name", "salt", "opening"))
    except Malformed as e:
        diffs.append(str(e))
        return None
    before = len(diffs)
    if rec["format"] != RECEIPT_FORMAT:
        diffs.append(f"receipt.format: receipt says {json.dumps(rec['format'])}, this verifier reads '{RECEIPT_FORMAT}'")
    if rec["taskId"] != ctx["taskId"]:
        diffs.append(f"receipt.taskId: receipt {json.dumps(rec['taskId'])}, pack {json.dumps(ctx['taskId'])}")
    mid = rec["memberId"]
    if not is_member_id(mid):
        diffs.append("receipt.memberId: not 18 characters of [0-9A-Z]")
        return None
    if ctx["committed"] is None:
        diffs.append("receipt: cannot be checked, the pack has no population.membersSha256 (members not committed at freeze)")
        return None
    members = ctx["members"]
    if members is None:
        diffs.append("receipt: cannot be checked without a well-formed members file")
        return None
    excluded = ctx["exclusions"].get(mid)
    drawn = mid in ctx["drawn"]
    if rec["excluded"] is not None and not isinstance(rec["excluded"], str):
        diffs.append("receipt.excluded: expected null or a reason")
    elif rec["excluded"] != excluded:  # 3
        diffs.append(f"receipt.excluded: receipt {json.dumps(rec['excluded'], ensure_ascii=False)}, "
                     f"the parameters' exclusions {json.dumps(excluded, ensure_ascii=False)}")

    # 1. not in the population
    if rec["member"] is None:
        if mid in members:
            diffs.append(f"receipt.member: null (not in the population), but {mid} is in the members file")
        if rec["seal"] is not None:
            diffs.append("receipt.seal: must be null for a member outside the population")
        return "not drawn (not in the frozen population)" if len(diffs) == before else None

    # 2. the commitment
    member = rec["member"]
    stratum, weight_text, salt_hex = member["stratum"], member["weight"], member["salt"]
    weight = parse_weight(weight_text) if isinstance(weight_text, str) else None
    if not is_stratum(stratum) or weight is None or weight > MAX_MICROS or not is_hex(salt_hex, 16):
        diffs.append("receipt.member: stratum, weight (canonical decimal) or salt (32 lowercase hex digits) malformed")
        return None
    if mid not in members:
        diffs.append(f"receipt.member: {mid} is not in the members file")
        return None
    commitment = member_commitment(bytes.fromhex(salt_hex), mid, stratum, weight_text).hex()
    if commitment != members[mid]:
        diffs.append(f"members.csv {mid}: file {members[mid]}, recomputed from the receipt's salt, stratum and weight "
                     f"{commitment} (the class or weight differs from the one committed at freeze)")

    # 3. exclusion and drawn
    if excluded is not None and drawn:
        diffs.append(f"entityDraw.drawn: {mid} is excluded ({excluded}) but drawn")

    # 4. the seal
    params = ctx["params"]
    rules = {rule["stratum"]: rule for rule in params["strata"]}
    seal = rec["seal"]
    if stratum not in rules:
        # Spec 11.4 check 3: a member outside the parameters' strata takes no part in the draw (spec 6): no seal, not drawn.
        # (Spec 11.1 says a task's filter cannot leave a class out; the verifier follows 11.4's explicit rule.)
        if seal is not None:
            diffs.append(f"receipt.seal: must be null, stratum '{stratum}' is not among the parameters' strata")
        if drawn:
            diffs.append(f"entityDraw.drawn: {mid} is drawn, but its stratum '{stratum}' takes no part in the draw")
        if len(diffs) != before:
            return None
        return f"not drawn (stratum {stratum} is not among the task's strata: it takes no part in the draw)"
    name = "pareto" if params["mode"] == "pareto" else "stratum/" + stratum
    if seal is None:
        diffs.append(f"receipt.seal: null, expected the seal '{name}'")
        return None
    opening = seal["opening"]
    if seal["name"] != name:
        diffs.append(f"receipt.seal.name: receipt {json.dumps(seal['name'])}, expected '{name}'")
        return None
    if not is_hex(seal["salt"], 16) or not isinstance(opening, list) or not all(isinstance(t, str) for t in opening):
        diffs.append("receipt.seal: salt must be 32 lowercase hex digits and opening a list of texts")
        return None
    recomputed = seal_value(bytes.fromhex(seal["salt"]), name, opening).hex()
    if name not in ctx["seals"]:
        diffs.append(f"receipt.seal.name: the public pack has no seal '{name}'")
    elif recomputed != ctx["seals"][name]:
        diffs.append(f"entityDraw.seals '{name}': pack {ctx['seals'][name]}, recomputed from the receipt's opening {recomputed}")

    # 5. the opening's shape, 6. the fate
    m = top52(sha256(ctx["key"] + lp(mid)))
    if params["mode"] == "stratified":
        if len(opening) != 3:
            diffs.append(f"receipt.seal.opening: expected [N_h, n_h, threshold], got {len(opening)} texts")
            return None
        big_n, n, threshold = canonical_int(opening[0]), canonical_int(opening[1]), parse_stratified_threshold(opening[2])
        if big_n is None or n is None or threshold is None:
            diffs.append(f"receipt.seal.opening: malformed {json.dumps(opening)}")
            return None
        if n != stratum_quota(rules[stratum], big_n):
            diffs.append(f"receipt.seal.opening: n_h {n} does not follow from N_h {big_n} and the rule of stratum {stratum} "
                         f"({stratum_quota(rules[stratum], big_n)})")
        if excluded is None and big_n < 1:
            diffs.append(f"receipt.seal.opening: N_h {big_n}, but the member itself is a remaining member of stratum {stratum}")
        shape = "none" if n == 0 else "all" if n == big_n else "lt"
        if threshold[0] != shape:
            diffs.append(f"receipt.seal.opening: threshold '{opening[2]}' with n_h {n} of N_h {big_n} (expected {shape})")
        fate = excluded is None and stratified_fate(m, mid, threshold)
        if excluded is None and not fate:
            _, t, tie = threshold if threshold[0] == "lt" else ("lt", 0, None)
            if threshold[0] == "none":
                why = f"stratum {stratum}: none of {big_n} drawn"
            elif tie is not None and 2 * m + 1 == t:
                why = f"stratum {stratum}: {n} of {big_n} drawn by smallest u; your u ties the sealed threshold and your id sorts after {tie}"
            else:
                why = (f"stratum {stratum}: {n} of {big_n} drawn by smallest u; your u = {uniform(m)!r} is above the sealed "
                       f"threshold {t}/{TWO53} = {t / TWO53!r}")
    else:
        if len(opening) != 4:
            diffs.append(f"receipt.seal.opening: expected [a, D, certainFrom, threshold], got {len(opening)} texts")
            return None
        a, d, threshold = canonical_int(opening[0]), canonical_int(opening[1]), parse_pareto_threshold(opening[3])
        certain_from = None if opening[2] == "" else canonical_int(opening[2])
        if a is None or d is None or threshold is None or (opening[2] != "" and not certain_from):
            diffs.append(f"receipt.seal.opening: malformed {json.dumps(opening)}")
            return None
        total = params["totalCount"]
        if a > total:
            diffs.append(f"receipt.seal.opening: a {a} exceeds totalCount {total}")
        if (certain_from is None) != (a == total):
            diffs.append(f"receipt.seal.opening: a {a} with totalCount {total} and certainFrom '{opening[2]}' "
                         "(no certain member iff a = totalCount, spec 6.2)")
        if (threshold[0] == "none") != (a == 0):
            diffs.append(f"receipt.seal.opening: threshold '{opening[3]}' with a {a} (none iff a = 0)")
        certain = certain_from is not None and weight >= certain_from
        if excluded is not None:
            fate = False
        elif certain:
            fate = True
        elif a == 0:
            fate, why = False, f"pareto: your weight {weight_text} is below the certain threshold and only certain members are drawn (a = 0)"
        elif d - a * weight <= 0:
            diffs.append(f"receipt.seal.opening: D {d} - a {a} x w {weight} is not positive for a non-certain member")
            return None
        else:
            p, q = pareto_key(m, weight, a, d)
            fate = pareto_fate(p, q, mid, threshold)
            if not fate:
                below = "" if certain_from is None else f"your weight {weight_text} is below the certain threshold {format_weight(certain_from)}; "
                if threshold[0] != "lt":
                    where = f"not drawn by the sealed threshold '{opening[3]}'"
                elif p * threshold[2] == threshold[1] * q:
                    where = "equal to the sealed threshold and your id sorts after it"
                else:
                    where = f"above the sealed threshold {threshold[1] / threshold[2]!r}"
                why = f"pareto: {below}{a} of the others drawn by smallest key; your key {p}/{q} = {p / q!r} is {where}"
    if fate != drawn:
        diffs.append(f"entityDraw.drawn: {mid} is {'' if drawn else 'not '}drawn, but its seal's opening says "
                     f"{'drawn' if fate else 'not drawn'}")
    if len(diffs) != before:
        return None
    if fate:
        return "drawn"
    return f"not drawn (excluded: {excluded})" if excluded is not None else f"not drawn ({why})"


def _unique_keys(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError(f"duplicate field '{k}'")
        obj[k] = v
    return obj


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


def load_json(data, what, diffs):
    """Strict JSON: UTF-8, no duplicate field names (parsers disagree on which wins), no NaN/Infinity."""
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as e:
        diffs.append(f"{what}: not readable JSON ({e})")
        return None


def verify_public(public_bytes, members_bytes, receipt_bytes=None):
    """Spec 11.3 (+ 11.4 with a receipt). Returns (differences, notes, verdict) with verdict 'drawn' / 'not drawn (...)'
    when a receipt passed."""
    diffs, notes = [], []
    pack = load_json(public_bytes, "public pack", diffs)
    rec = load_json(receipt_bytes, "receipt", diffs) if receipt_bytes is not None else None
    if diffs:
        return diffs, notes, None
    ctx = check_public(pack, members_bytes, diffs, notes)
    verdict = None
    if ctx is not None and receipt_bytes is not None:
        verdict = check_receipt(ctx, rec, diffs)
    return diffs, notes, verdict


def parse_members_key(text_bytes):
    """The members key file: 64 lowercase hex digits, surrounding whitespace trimmed. Raises SpecError."""
    try:
        text = text_bytes.decode("ascii").strip()
    except UnicodeDecodeError:
        raise SpecError("the members key file is not 64 hex digits")
    if not is_hex(text, 32):
        raise SpecError("the members key file is not 64 lowercase hex digits")
    return bytes.fromhex(text)


def json_equal(a, b):
    """Exact JSON equality: same types (true is not 1, 1 is not 1.0), same values."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    return a == b


def verify_audit(pack_bytes, population_bytes, members_key, public_bytes, members_bytes, pool_bytes=None):
    """Spec 11.5: the full pack's checks (9), the public checks (11.3), the members file and every seal recomputed from
    the population and the key, and the public pack compared with the full pack with the classes taken out."""
    diffs, notes = verify(pack_bytes, population_bytes, pool_bytes)
    public_diffs, public_notes = [], []
    public = load_json(public_bytes, "public pack", public_diffs)
    ctx = check_public(public, members_bytes, public_diffs, public_notes) if public is not None else None
    diffs += ["public pack: " + d for d in public_diffs]
    notes += ["public pack: " + n for n in public_notes]
    try:
        full = json.loads(pack_bytes)
        members = parse_population(population_bytes)
        params = full["entityDraw"]["parameters"]
        secret = bytes.fromhex(full["revealedSecret"])
        seed = pack_seed(full, secret, [])
        if seed is None:
            raise SpecError("the full pack's seed cannot be computed")
        openings = seal_openings(seed, full["taskId"], full["algorithm"], params, members)
        drawn = hash_order(full["entityDraw"]["result"]["drawn"])
    except (SpecError, ValueError, KeyError, TypeError, AttributeError) as e:
        diffs.append(f"audit: cannot recompute the members file and seals from the full pack and population ({e!r})")
        return diffs, notes
    listed = sorted({s for _, s, _ in members} - {rule["stratum"] for rule in params["strata"]})
    if listed:
        notes.append(f"the population has strata {listed} that the parameters leave out: their members take no part "
                     "in the draw (spec 11.4 check 3), although spec 11.1 says a task cannot leave a class out")

    # the members file
    recomputed_file = members_file(population_bytes, members_key)
    recomputed_hash = sha256(recomputed_file).hex()
    if recomputed_file != members_bytes:
        published = members_bytes.split(b"\n")
        for n, line in enumerate(recomputed_file.split(b"\n"), start=1):
            other = published[n - 1] if n - 1 < len(published) else b"<missing>"
            if line != other:
                diffs.append(f"members.csv line {n}: file {other.decode('utf-8', 'replace')}, recomputed {line.decode()}")
                break
        else:
            diffs.append(f"members.csv: file has {members_bytes.count(NL)} lines, recomputed {recomputed_file.count(NL)}")
    full_members_hash = full["population"].get("membersSha256")
    if full_members_hash is not None and full_members_hash != recomputed_hash:
        diffs.append(f"full pack population.membersSha256: pack {full_members_hash}, recomputed {recomputed_hash}")
    if public is None or ctx is None:
        diffs.append("audit: the public pack is not well-formed (or its seed cannot be computed); it was not compared with the full pack")
        return diffs, notes
    if public["population"]["membersSha256"] != recomputed_hash:
        diffs.append(f"public pack population.membersSha256: pack {public['population']['membersSha256']}, "
                     f"recomputed from population.csv and the key {recomputed_hash}")

    # every seal
    expected = [{"name": name, "seal": seal_value(seal_salt(members_key, name), name, opening).hex()} for name, opening in openings]
    got = public["entityDraw"]["seals"]
    for i in range(max(len(expected), len(got))):
        e = expected[i] if i < len(expected) else None
        g = got[i] if i < len(got) else None
        if not json_equal(e, g):
            diffs.append(f"public pack entityDraw.seals[{i}]: pack {json.dumps(g)}, recomputed {json.dumps(e)}")

    # the public pack is the full pack with the classes taken out
    full_population = full["population"]
    pairs = [("algorithm", full.get("algorithm"), public["algorithm"]), ("taskId", full.get("taskId"), public["taskId"]),
             ("secretCommitment", full.get("secretCommitment"), public["secretCommitment"]),
             ("revealedSecret", full.get("revealedSecret"), public["revealedSecret"]),
             ("entropy", full.get("entropy"), public["entropy"]), ("beacon", full.get("beacon"), public["beacon"]),
             ("ceremony", full.get("ceremony"), public.get("ceremony")),
             ("seed", full.get("seed"), public["seed"]),
             ("population.sha256", full_population.get("sha256"), public["population"]["sha256"]),
             ("population.memberCount", full_population.get("memberCount"), public["population"]["memberCount"]),
             ("population.exclusionsSha256", full_population.get("exclusionsSha256"), public["population"]["exclusionsSha256"]),
             ("entityDraw.parameters", params, public["entityDraw"]["parameters"]),
             ("entityDraw.drawnCount", len(full["entityDraw"]["result"]["drawn"]), public["entityDraw"]["drawnCount"])]
    for path, f, p in pairs:
        if not json_equal(f, p):
            diffs.append(f"public pack {path}: public {json.dumps(p, ensure_ascii=False)}, full pack {json.dumps(f, ensure_ascii=False)}")
    public_drawn = public["entityDraw"]["drawn"]
    full_ids, public_ids = [d["memberId"] for d in drawn], [d["memberId"] for d in public_drawn]
    if sorted(full_ids) != sorted(public_ids):
        missing = sorted(set(full_ids) - set(public_ids))
        extra = sorted(set(public_ids) - set(full_ids))
        diffs.append(f"public pack entityDraw.drawn: not the full pack's drawn set (missing {missing}, extra {extra})")
    else:
        for i, (f, p) in enumerate(zip(drawn, public_drawn)):
            if f["memberId"] != p["memberId"] or f["hash"] != p["hash"] or not json_equal(f["uniform"], p["uniform"]):
                diffs.append(f"public pack entityDraw.drawn[{i}]: public {json.dumps(p)}, full pack in hash order {json.dumps(f)}")
    return diffs, notes


def report(diffs, notes, verdict=None):
    if diffs:
        print("FAIL")
        for d in diffs[:50]:
            print(d)
        if len(diffs) > 50:
            print(f"... and {len(diffs) - 50} more differences")
    else:
        print("PASS" if verdict is None else "PASS: " + verdict)
    for n in notes:
        print("note: " + n)
    return 0 if not diffs else 1


def main(argv):
    args = argv[1:]
    mode = args[0] if args and args[0] in ("public", "audit") else "pack"
    if not ((mode == "pack" and len(args) in (2, 3)) or (mode == "public" and len(args) in (3, 4))
            or (mode == "audit" and len(args) in (6, 7))):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    files = args if mode == "pack" else args[1:]
    try:
        contents = []
        for name in files:
            with open(name, "rb") as f:
                contents.append(f.read())
    except OSError as e:
        print(f"cannot read {e.filename}: {e.strerror}", file=sys.stderr)
        return 2
    try:
        if mode == "pack":
            diffs, notes = verify(*contents)
            return report(diffs, notes)
        if mode == "public":
            return report(*verify_public(*contents))
        try:
            key = parse_members_key(contents[2])
        except SpecError as e:
            print(f"{files[2]}: {e}", file=sys.stderr)
            return 2
        pack_bytes, population_bytes, _, public_bytes, members_bytes = contents[:5]
        pool_bytes = contents[5] if len(contents) == 6 else None
        return report(*verify_audit(pack_bytes, population_bytes, key, public_bytes, members_bytes, pool_bytes))
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as e:
        return report([f"pack: missing or malformed field ({e!r})"], [])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
