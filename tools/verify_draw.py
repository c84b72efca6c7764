#!/usr/bin/env python3
"""Independent verifier for Supervision draw packs (docs/draw-spec.md), standard library only.

usage: verify_draw.py PACK.json POPULATION.csv [INSPECTORS.json]
Prints PASS, or FAIL followed by one line per difference ("path: pack X, recomputed Y").
Exit code 0 on PASS, 1 otherwise. Written from the spec, not from the C# code.
"""
import datetime
import hashlib
import json
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
    text = data.decode("utf-8")
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


def inspector_draw(seed, task_id, algorithm, params, pool, drawn):
    key = draw_key("supervision/draw/inspector/v1", seed, task_id, algorithm)
    departments = params["departments"]
    requirements = {d["department"]: d["items"] for d in departments}
    team_size, cap = params["teamSize"], params["workloadCap"]
    if team_size < 2 or team_size < len(departments) or cap < 1:
        raise SpecError("invalid team size or workload cap")
    date = datetime.date.fromisoformat(params["drawDate"])
    conflicts = {(c["certificateNo"], c["memberId"]) for c in pool["conflicts"]}
    previous = {}
    for p in pool["previousInspections"]:
        previous.setdefault(p["memberId"], set()).update(p["certificateNos"])
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
    seed = derive_seed(secret, pack["taskId"], pack["algorithm"], pack["entropy"], pack["beacon"])
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
            notes.append("inspector draw not checked: no inspector pool file was given")
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
            except SpecError as e:
                diffs.append(f"inspectorDraw: cannot recompute ({e})")
    elif pool_bytes is not None:
        notes.append("an inspector pool was given but the pack has no inspector draw")
    return diffs, notes


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__.strip(), file=sys.stderr)
        return 1
    with open(argv[1], "rb") as f:
        pack_bytes = f.read()
    with open(argv[2], "rb") as f:
        population_bytes = f.read()
    pool_bytes = None
    if len(argv) == 4:
        with open(argv[3], "rb") as f:
            pool_bytes = f.read()
    try:
        diffs, notes = verify(pack_bytes, population_bytes, pool_bytes)
    except (KeyError, TypeError) as e:
        diffs, notes = [f"pack: missing or malformed field ({e!r})"], []
    if diffs:
        print("FAIL")
        for d in diffs[:50]:
            print(d)
        if len(diffs) > 50:
            print(f"... and {len(diffs) - 50} more differences")
    else:
        print("PASS")
    for n in notes:
        print("note: " + n)
    return 0 if not diffs else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
