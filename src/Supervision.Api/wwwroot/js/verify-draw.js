// Supervision — the public draw check, run in the visitor's browser (docs/draw-spec.md §11.3, and §11.4 with a receipt;
// the seed of §3.2, or of §3.3 with its ceremony checks when the pack carries a witnessed ceremony).
// A third implementation beside the C# verifier and tools/verify_draw.py, written from the specification. Nothing is
// uploaded: the files are read here, the platform's own public routes are only read from.
//
// Hashes: Web Crypto (crypto.subtle.digest) for every short input. The members file can be hundreds of megabytes and
// Web Crypto has no incremental SHA-256, so the file is streamed through the small SHA-256 below (FIPS 180-4), one
// chunk at a time, while its lines are checked in the same pass: memory stays at one chunk plus the ids looked for.
// Exact integers (the 52-bit m, thresholds, Pareto keys) are BigInt.
(function () {
  "use strict";

  const ALGORITHM = "srs-pareto-v1";
  const PACK_FORMAT = "supervision-draw-pack/public-1";
  const RECEIPT_FORMAT = "supervision-draw-receipt/1";
  const TWO53 = 9007199254740992n;

  // ---------------------------------------------------------------- language
  function english() { return /^en/i.test(document.documentElement.lang || ""); }
  function L(zh, en) { return english() ? en : zh; }

  // ---------------------------------------------------------------- bytes
  const encoder = new TextEncoder();
  function utf8(text) { return encoder.encode(text); }

  function concat(parts) {
    let total = 0;
    for (const p of parts) total += p.length;
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }

  function u32be(n) { return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]); }

  // LP(x) = U32BE(byte length) || x; text is UTF-8 as recorded, bytes as they are (§2).
  function lp(x) {
    const bytes = typeof x === "string" ? utf8(x) : x;
    return concat([u32be(bytes.length), bytes]);
  }

  function hex(bytes) {
    let s = "";
    for (let i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return s;
  }

  function isHex(text, digits) { return typeof text === "string" && text.length === digits && /^[0-9a-f]*$/.test(text); }

  function fromHex(text) {
    const out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
    return out;
  }

  // Ordinal order: byte-wise over UTF-8 (§2).
  function compareBytes(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  }
  function ordinal(a, b) { return compareBytes(utf8(a), utf8(b)); }

  function isMemberId(id) { return typeof id === "string" && /^[0-9A-Z]{18}$/.test(id); }

  // ---------------------------------------------------------------- SHA-256, incremental (FIPS 180-4)
  const ROUND = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);
  const START = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

  class Sha256 {
    constructor() {
      this.state = new Uint32Array(START);
      this.pending = new Uint8Array(64);   // bytes of a block not yet complete
      this.pendingLength = 0;
      this.total = 0;                      // bytes fed so far (exact up to 2^53)
      this.schedule = new Uint32Array(64);
      this.done = false;
    }

    update(bytes) {
      if (this.done) throw new Error("SHA-256: update after digest");
      const n = bytes.length;
      let i = 0;
      this.total += n;
      if (this.pendingLength > 0) {
        const take = Math.min(64 - this.pendingLength, n);
        this.pending.set(bytes.subarray(0, take), this.pendingLength);
        this.pendingLength += take;
        i = take;
        if (this.pendingLength < 64) return this;
        this.block(this.pending, 0);
        this.pendingLength = 0;
      }
      for (; i + 64 <= n; i += 64) this.block(bytes, i);
      if (i < n) { this.pending.set(bytes.subarray(i), 0); this.pendingLength = n - i; }
      return this;
    }

    digest() {
      const length = this.total;
      // One 0x80 byte, zeros up to 56 mod 64, then the message length in bits as 64-bit big-endian.
      const padLength = (this.pendingLength < 56 ? 64 : 128) - this.pendingLength;
      const pad = new Uint8Array(padLength);
      pad[0] = 0x80;
      const high = Math.floor(length / 0x20000000);          // length * 8 / 2^32
      const low = (length % 0x20000000) * 8;                  // (length * 8) mod 2^32
      pad.set(u32be(high), padLength - 8);
      pad.set(u32be(low), padLength - 4);
      this.update(pad);
      this.done = true;
      const out = new Uint8Array(32);
      for (let j = 0; j < 8; j++) out.set(u32be(this.state[j]), 4 * j);
      return out;
    }

    block(bytes, at) {
      const w = this.schedule;
      for (let t = 0; t < 16; t++) {
        const j = at + 4 * t;
        w[t] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
      }
      for (let t = 16; t < 64; t++) {
        const x = w[t - 15], y = w[t - 2];
        const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
      }
      const h = this.state;
      let a = h[0] | 0, b = h[1] | 0, c = h[2] | 0, d = h[3] | 0, e = h[4] | 0, f = h[5] | 0, g = h[6] | 0, k = h[7] | 0;
      for (let t = 0; t < 64; t++) {
        const big1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const choose = (e & f) ^ (~e & g);
        const t1 = (k + big1 + choose + ROUND[t] + w[t]) | 0;
        const big0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const majority = (a & b) ^ (a & c) ^ (b & c);
        const t2 = (big0 + majority) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
    }
  }

  function sha256Sync(bytes) { return new Sha256().update(bytes).digest(); }

  // Web Crypto for short inputs; it exists only in a secure context (HTTPS, or localhost), so plain HTTP uses the above.
  async function sha256(bytes) {
    if (globalThis.crypto && crypto.subtle) return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    return sha256Sync(bytes);
  }

  // ---------------------------------------------------------------- the draw's primitives (§3, §5, §9.3, §11.1, §11.2)
  async function commitmentOf(secret) { return hex(await sha256(secret)); }

  async function seedOf(secret, taskId, algorithm, entropy, beacon) {
    const parts = [lp("supervision/seed/v1"), lp(secret), lp(taskId), lp(algorithm), u32be(entropy.length)];
    for (const entry of entropy) parts.push(lp(entry.witness), lp(entry.value));
    if (beacon == null) parts.push(new Uint8Array([0]));
    else parts.push(new Uint8Array([1]), lp(beacon.source), lp(beacon.value));
    return sha256(concat(parts));
  }

  // ---------------------------------------------------------------- the witnessed ceremony, seed v2 (§3.3)
  const CEREMONY_VERSION = 2;

  // A ceremony time: ISO 8601 with an offset and whole seconds (2027-01-04T02:00:00+00:00, or …Z). Answers
  // { at: seconds since 1970 UTC, utc: "yyyy-MM-ddTHH:mm:ssZ" } or null when the text is not of that form or not a real time.
  function parseTime(text) {
    if (typeof text !== "string") return null;
    const t = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:Z|([+-])(\d{2}):(\d{2}))$/.exec(text);
    if (!t) return null;
    const [year, month, day, hour, minute, second] = t.slice(1, 7).map(Number);
    const offsetHours = t[7] ? Number(t[8]) : 0, offsetMinutes = t[7] ? Number(t[9]) : 0;
    if (year < 1 || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return null;
    // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0–99 as 1900–1999.
    const local = new Date(0);
    local.setUTCFullYear(year, month - 1, day);
    if (local.getUTCFullYear() !== year || local.getUTCMonth() !== month - 1 || local.getUTCDate() !== day) return null;
    const offset = (t[7] === "-" ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
    const at = local.getTime() / 1000 + hour * 3600 + minute * 60 + second - offset;
    const utc = new Date(at * 1000);
    const pad = (n, w) => String(n).padStart(w, "0");
    return {
      at,
      utc: `${pad(utc.getUTCFullYear(), 4)}-${pad(utc.getUTCMonth() + 1, 2)}-${pad(utc.getUTCDate(), 2)}T${pad(utc.getUTCHours(), 2)}:${pad(utc.getUTCMinutes(), 2)}:${pad(utc.getUTCSeconds(), 2)}Z`,
    };
  }

  // A witness's commitment: SHA256(LP("supervision/witness/v1") || LP(taskId) || LP(value) || LP(nonce)), hex.
  async function witnessCommitment(taskId, value, nonce) {
    return hex(await sha256(concat([lp("supervision/witness/v1"), lp(taskId), lp(value), lp(nonce)])));
  }

  // Seed v2 from a well-formed ceremony with its beacon value: the named beacon, each commitment in recorded order with
  // its witness's reveal (U8(1), value, nonce) or unopened (U8(0)), then the beacon value.
  async function seedV2Of(secret, taskId, algorithm, ceremony) {
    const beacon = ceremony.beacon;
    const parts = [lp("supervision/seed/v2"), lp(secret), lp(taskId), lp(algorithm), lp(beacon.source), lp(beacon.round),
      lp(parseTime(beacon.expectedAt).utc), u32be(ceremony.commitments.length)];
    for (const c of ceremony.commitments) {
      parts.push(lp(c.witness), lp(c.commitment));
      const reveal = ceremony.reveals.find(r => r.witness === c.witness);
      if (reveal) parts.push(new Uint8Array([1]), lp(reveal.value), lp(reveal.nonce));
      else parts.push(new Uint8Array([0]));
    }
    parts.push(lp(ceremony.beaconValue.value));
    return sha256(concat(parts));
  }

  // The ceremony's shape (§3.3): answers null when it is well formed, else what is wrong, in the reader's language.
  function ceremonyShape(c) {
    const text = v => typeof v === "string";
    if (!isObject(c)) return L("ceremony 应为对象", "ceremony must be an object");
    if (!Number.isInteger(c.version) || !Number.isInteger(c.minimumWitnesses))
      return L("version 和 minimumWitnesses 应为整数", "version and minimumWitnesses must be integers");
    const b = c.beacon;
    if (!isObject(b) || !text(b.source) || !text(b.round)) return L("beacon 应为 {source, round, expectedAt}", "beacon must be {source, round, expectedAt}");
    const badTime = (value, where) => parseTime(value) === null
      ? L(`${where} 的时间 “${value}” 不是带时区偏移、精确到秒的 ISO 8601 时间（如 2027-01-04T02:00:00+00:00）`,
        `${where}: "${value}" is not an ISO 8601 time with an offset and whole seconds (e.g. 2027-01-04T02:00:00+00:00)`)
      : null;
    let problem = badTime(b.expectedAt, "beacon.expectedAt");
    if (problem) return problem;
    if (!Array.isArray(c.commitments) || !Array.isArray(c.reveals)) return L("commitments 和 reveals 应为列表", "commitments and reveals must be lists");
    for (let i = 0; i < c.commitments.length; i++) {
      const x = c.commitments[i];
      if (!isObject(x) || !text(x.witness) || !text(x.commitment) || !(x.department === null || text(x.department)))
        return L(`第 ${i + 1} 份承诺应为 {witness, department, commitment, at}`, `commitment ${i + 1} must be {witness, department, commitment, at}`);
      if ((problem = badTime(x.at, `commitments[${i}].at`))) return problem;
    }
    if (c.closedAt !== null && (problem = badTime(c.closedAt, "closedAt"))) return problem;
    for (let i = 0; i < c.reveals.length; i++) {
      const r = c.reveals[i];
      if (!isObject(r) || !text(r.witness) || !text(r.value) || !text(r.nonce))
        return L(`第 ${i + 1} 次揭示应为 {witness, value, nonce, at}`, `reveal ${i + 1} must be {witness, value, nonce, at}`);
      if ((problem = badTime(r.at, `reveals[${i}].at`))) return problem;
    }
    if (c.beaconValue !== null) {
      if (!isObject(c.beaconValue) || !text(c.beaconValue.value)) return L("beaconValue 应为 {value, at} 或 null", "beaconValue must be {value, at} or null");
      if ((problem = badTime(c.beaconValue.at, "beaconValue.at"))) return problem;
    }
    return null;
  }

  // §3.3's checks of a well-formed ceremony besides the seed: each failure in plain words.
  async function ceremonyProblems(taskId, c) {
    const out = [];
    const q = w => "“" + w + "”";
    if (c.version !== CEREMONY_VERSION)
      out.push(L(`见证仪式的版本是 ${c.version}，本程序核验版本 ${CEREMONY_VERSION}`, `The ceremony's version is ${c.version}; this checks version ${CEREMONY_VERSION}`));
    const count = new Map();
    for (const x of c.commitments) count.set(x.witness, (count.get(x.witness) || 0) + 1);
    for (const [w, n] of count) if (n > 1)
      out.push(L(`见证人 ${q(w)} 提交了 ${n} 份承诺：每位见证人只能提交一次`, `The witness "${w}" committed ${n} times: a witness commits once`));
    if (count.size < c.minimumWitnesses)
      out.push(L(`只有 ${count.size} 位见证人提交了承诺，少于要求的 ${c.minimumWitnesses} 位`, `Only ${count.size} witness(es) committed, fewer than the ${c.minimumWitnesses} required`));
    const expected = parseTime(c.beacon.expectedAt);
    if (c.closedAt === null) out.push(L("承诺从未截止（closedAt 为空）", "The commitments never closed (closedAt is null)"));
    else {
      const closed = parseTime(c.closedAt);
      if (!(closed.at < expected.at))
        out.push(L(`承诺截止于 ${c.closedAt}，不早于信标这一期的公布时间 ${c.beacon.expectedAt}：截止时这一期的值可能已经公开，见证人可以据此选择自己的数`,
          `The commitments closed at ${c.closedAt}, not before the beacon round was due at ${c.beacon.expectedAt}: its value could already have been known when the witnesses chose theirs`));
      for (const x of c.commitments) if (parseTime(x.at).at > closed.at)
        out.push(L(`见证人 ${q(x.witness)} 的承诺提交于 ${x.at}，晚于截止时间 ${c.closedAt}：截止之后不能再提交承诺`,
          `The witness "${x.witness}" committed at ${x.at}, after the close at ${c.closedAt}: no commitment may come after the close`));
    }
    if (c.beaconValue === null) out.push(L("没有记录信标的值，种子还不能算出", "No beacon value is recorded, so there is no seed yet"));
    else if (parseTime(c.beaconValue.at).at < expected.at)
      out.push(L(`信标的值记录于 ${c.beaconValue.at}，早于这一期的公布时间 ${c.beacon.expectedAt}：那时这个值还不可能知道`,
        `The beacon value was recorded at ${c.beaconValue.at}, before the round was due at ${c.beacon.expectedAt}: nobody could have known it then`));
    const committed = new Map();
    for (const x of c.commitments) if (!committed.has(x.witness)) committed.set(x.witness, x.commitment);
    const revealed = new Set();
    for (const r of c.reveals) {
      if (revealed.has(r.witness)) out.push(L(`见证人 ${q(r.witness)} 揭示了不止一次`, `The witness "${r.witness}" revealed more than once`));
      revealed.add(r.witness);
      if (!committed.has(r.witness)) {
        out.push(L(`${q(r.witness)} 揭示了数值，却没有提交过承诺`, `"${r.witness}" revealed a value without having committed to one`));
        continue;
      }
      const opened = await witnessCommitment(taskId, r.value, r.nonce);
      if (opened !== committed.get(r.witness))
        out.push(L(`见证人 ${q(r.witness)} 揭示的数值和随机盐算出的承诺是 ${opened}，与其事先提交的 ${committed.get(r.witness)} 不符：揭示的不是当初承诺的数`,
          `The witness "${r.witness}"'s revealed value and nonce give ${opened}, not the commitment ${committed.get(r.witness)} made before: what was revealed is not what was committed`));
    }
    return out;
  }

  function entityKey(seed, taskId, algorithm) {
    return sha256(concat([lp("supervision/draw/entity/v1"), lp(seed), lp(taskId), lp(algorithm)]));
  }

  function memberHash(key, memberId) { return sha256(concat([key, lp(memberId)])); }

  // m = the first 8 bytes of h, big-endian, shifted right by 12: its top 52 bits.
  function top52(h) {
    let v = 0n;
    for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(h[i]);
    return v >> 12n;
  }

  // u = (2m + 1) / 2^53: 2m + 1 < 2^53 converts exactly and the division by a power of two is exact.
  function uniformOf(m) { return Number(2n * m + 1n) / 9007199254740992; }

  async function memberSalt(membersKey, memberId) {
    return (await sha256(concat([lp("supervision/member-salt/v1"), lp(membersKey), lp(memberId)]))).slice(0, 16);
  }

  async function memberCommitment(salt, memberId, stratum, weight) {
    return hex(await sha256(concat([lp("supervision/member/v1"), lp(salt), lp(memberId), lp(stratum), lp(weight)])));
  }

  async function sealSalt(membersKey, name) {
    return (await sha256(concat([lp("supervision/seal-salt/v1"), lp(membersKey), lp(name)]))).slice(0, 16);
  }

  async function sealOf(salt, name, opening) {
    const parts = [lp("supervision/seal/v1"), lp(salt), lp(name)];
    for (const text of opening) parts.push(lp(text));
    return hex(await sha256(concat(parts)));
  }

  // §9.3: one line "memberId TAB reason LF" per exclusion, sorted ordinally by member id.
  async function exclusionsHash(exclusions) {
    const sorted = exclusions.slice().sort((x, y) => ordinal(x.memberId, y.memberId));
    return hex(await sha256(utf8(sorted.map(x => x.memberId + "\t" + x.reason + "\n").join(""))));
  }

  // ---------------------------------------------------------------- exact numbers
  function canonicalInteger(text) { return typeof text === "string" && /^(0|[1-9][0-9]*)$/.test(text); }

  // §4 weight text → micro-units, or null when not canonical.
  function weightMicros(text) {
    if (typeof text !== "string" || !/^(0|[1-9][0-9]{0,8})(\.[0-9]{0,5}[1-9])?$/.test(text)) return null;
    const [whole, fraction = ""] = text.split(".");
    const micros = BigInt(whole) * 1000000n + BigInt((fraction + "000000").slice(0, 6));
    return micros > 0n ? micros : null;
  }

  // §6.1 ratio grammar → r = value × 10^6, or null when refused.
  function ratioMicros(text) {
    if (typeof text !== "string" || !/^(0|1)(\.[0-9]{1,6})?$/.test(text)) return null;
    const [whole, fraction = ""] = text.split(".");
    const r = BigInt(whole) * 1000000n + BigInt((fraction + "000000").slice(0, 6));
    return r > 0n && r <= 1000000n ? r : null;
  }

  // n_h of §6.1 from a stratum rule and N_h (BigInt), or a text saying why the rule is invalid.
  function stratumSample(rule, big) {
    const isInt = v => Number.isInteger(v);
    const hasCount = rule.count !== null && rule.count !== undefined;
    const hasRatio = rule.ratio !== null && rule.ratio !== undefined;
    const minimum = rule.minimum === undefined ? 1 : rule.minimum;
    if (hasCount === hasRatio) return { error: L("规则须且只能有 count 或 ratio 之一", "a rule needs exactly one of count and ratio") };
    if (!isInt(minimum) || minimum < 1) return { error: L("minimum 须为不小于 1 的整数", "minimum must be an integer of at least 1") };
    if (hasCount && (!isInt(rule.count) || rule.count < 1)) return { error: L("count 须为不小于 1 的整数", "count must be an integer of at least 1") };
    let r = null;
    if (hasRatio && (r = ratioMicros(rule.ratio)) === null) return { error: L("ratio 不合规范", "ratio is not in the specified form") };
    if (big === 0n) return { n: 0n };
    if (hasCount) { const c = BigInt(rule.count); return { n: c < big ? c : big }; }
    const ceil = (r * big + 999999n) / 1000000n;
    const atLeast = ceil > BigInt(minimum) ? ceil : BigInt(minimum);
    return { n: atLeast < big ? atLeast : big };
  }

  // A threshold "p/q" or "p/q;memberId" → {p, q, tie}, or null.
  function parseThreshold(text) {
    const match = /^(0|[1-9][0-9]*)\/([1-9][0-9]*)(?:;([0-9A-Z]{18}))?$/.exec(text);
    if (!match) return null;
    return { p: BigInt(match[1]), q: BigInt(match[2]), tie: match[3] || null };
  }

  // §11.2: a member with value p/q (its 2m+1 over 2^53, or its Pareto key) is drawn iff p/q < T, or in the tie form
  // iff p/q < T or (p/q = T and its id ≤ the id after ';').
  function drawnUnder(threshold, p, q, memberId) {
    if (threshold === "none") return false;
    if (threshold === "all") return true;
    const t = parseThreshold(threshold);
    if (t === null) return null;
    const left = p * t.q, right = t.p * q;
    if (left < right) return true;
    if (left === right && t.tie !== null) return ordinal(memberId, t.tie) <= 0;
    return false;
  }

  // ---------------------------------------------------------------- reading files and responses in chunks
  const SLICE = 4 << 20;

  async function* chunksOf(source) {
    if (source instanceof Uint8Array) { yield source; return; }
    if (typeof source === "string") { yield utf8(source); return; }
    let stream = null;
    if (typeof Response !== "undefined" && source instanceof Response) stream = source.body;
    else if (source && typeof source.stream === "function") stream = source.stream();
    if (stream && stream.getReader) {
      const reader = stream.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value instanceof Uint8Array ? value : new Uint8Array(value);
        }
      } finally { reader.releaseLock(); }
    }
    // A Blob without stream(): slices read one at a time.
    for (let at = 0; at < source.size; at += SLICE) yield new Uint8Array(await source.slice(at, at + SLICE).arrayBuffer());
  }

  // ---------------------------------------------------------------- the members file, checked in one streamed pass (§11.1)
  const HEADER = "member_id,commitment";

  // wanted: member ids to look up (sorted ordinally here). The file must be sorted, so one forward walk finds them.
  function membersScanner(wanted) {
    const ids = Array.from(new Set(wanted.filter(isMemberId))).sort();
    const idBytes = ids.map(utf8);
    const sha = new Sha256();
    const line = new Uint8Array(256);
    const previous = new Uint8Array(18);
    const found = new Map();
    const problems = [];
    let length = 0, overlong = false, lineNumber = 0, count = 0, problemCount = 0;
    let havePrevious = false, ordered = true, next = 0, bytes = 0;

    function problem(message) { problemCount++; if (problems.length < 20) problems.push(message); }

    function text(from, to) { let s = ""; for (let i = from; i < to; i++) s += String.fromCharCode(line[i]); return s; }

    function compareId(candidate) {      // candidate bytes vs the current line's id
      for (let i = 0; i < 18; i++) if (candidate[i] !== line[i]) return candidate[i] - line[i];
      return 0;
    }

    function endLine() {
      lineNumber++;
      if (lineNumber === 1) {
        if (overlong || text(0, length) !== HEADER)
          problem(L(`第 1 行应为表头 “${HEADER}”`, `line 1 must be the header "${HEADER}"`));
        length = 0; overlong = false;
        return;
      }
      count++;
      let good = !overlong && length === 83 && line[18] === 44;
      for (let i = 0; good && i < 18; i++) { const b = line[i]; good = (b >= 48 && b <= 57) || (b >= 65 && b <= 90); }
      for (let i = 19; good && i < 83; i++) { const b = line[i]; good = (b >= 48 && b <= 57) || (b >= 97 && b <= 102); }
      if (!good) {
        problem(L(`第 ${lineNumber} 行不是“18 位统一社会信用代码,64 位小写十六进制承诺值”`,
          `line ${lineNumber} is not "18-character credit code,64 lowercase hex digits"`));
      } else {
        if (havePrevious) {
          let order = 0;
          for (let i = 0; i < 18 && order === 0; i++) order = line[i] - previous[i];
          if (order <= 0) {
            if (ordered) problem(L(`第 ${lineNumber} 行的代码没有按升序排列（或与上一行重复）`, `line ${lineNumber}: the id is not after the previous line's (the file must be sorted by id, each id once)`));
            ordered = false;
          }
        }
        previous.set(line.subarray(0, 18));
        havePrevious = true;
        if (ordered) {
          while (next < ids.length && compareId(idBytes[next]) < 0) next++;
          if (next < ids.length && compareId(idBytes[next]) === 0) found.set(ids[next], text(19, 83));
        }
      }
      length = 0; overlong = false;
    }

    return {
      push(chunk) {
        sha.update(chunk);
        bytes += chunk.length;
        for (let i = 0; i < chunk.length; i++) {
          const b = chunk[i];
          if (b === 10) endLine();
          else if (length < line.length) line[length++] = b;
          else overlong = true;
        }
      },
      get bytes() { return bytes; },
      finish() {
        if (length > 0 || overlong) {
          endLine();
          problem(L("文件最后一行没有换行符（LF）", "the last line does not end with a line feed (LF)"));
        }
        if (lineNumber === 0) problem(L("文件是空的", "the file is empty"));
        if (problemCount > problems.length) problems.push(L(`……另有 ${problemCount - problems.length} 处问题`, `… and ${problemCount - problems.length} more problems`));
        return { sha256: hex(sha.digest()), count, problems, ordered, found, ids };
      },
    };
  }

  async function scanMembers(source, wanted, onProgress) {
    const scanner = membersScanner(wanted);
    for await (const chunk of chunksOf(source)) {
      scanner.push(chunk);
      if (onProgress) onProgress(scanner.bytes);
    }
    return scanner.finish();
  }

  // ---------------------------------------------------------------- the report
  const STEPS = {
    format: () => L("格式与算法", "Format and algorithm"),
    commitment: () => L("密钥与承诺", "Secret and commitment"),
    ceremony: () => L("见证仪式", "Witnessed ceremony"),
    seed: () => L("种子", "Seed"),
    members: () => L("主体承诺名录", "Members file"),
    exclusions: () => L("排除名单", "Exclusions"),
    drawn: () => L("抽中主体", "Drawn entities"),
    seals: () => L("封存值", "Seals"),
    receipt: () => L("主体回执", "Entity receipt"),
  };

  function newReport() {
    const steps = [];
    const byId = {};
    return {
      steps,
      step(id, explain) {
        const s = { id, title: STEPS[id](), explain, failures: [], notes: [], skipped: false };
        steps.push(s); byId[id] = s;
        return s;
      },
      fail(id, message) { byId[id].failures.push(message); },
      note(id, message) { byId[id].notes.push(message); },
      skip(id, why) { byId[id].skipped = true; byId[id].notes.push(why); },
      get failures() { return steps.flatMap(s => s.failures.map(message => ({ check: s.id, title: s.title, message }))); },
    };
  }

  function isObject(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }
  function str(v) { return typeof v === "string"; }

  function parseJson(text, report, id, what) {
    try { return JSON.parse(text); } catch (e) {
      report.fail(id, L(`${what}不是有效的 JSON（${e.message}）`, `${what} is not valid JSON (${e.message})`));
      return null;
    }
  }

  // ---------------------------------------------------------------- the public check (§11.3), and the receipt (§11.4)
  // input: { pack: text, members: File | Blob | Response | Uint8Array | string | null, receipt: text | null, onProgress }
  async function verify(input) {
    const report = newReport();
    const finish = (fate) => {
      const failures = report.failures;
      return { passed: failures.length === 0, verdict: failures.length === 0 ? "PASS" : "FAIL", failures, steps: report.steps, fate: fate || null };
    };

    // 1. Format, algorithm, commitment, seed.
    report.step("format", L("核验包应为公开核验包格式 " + PACK_FORMAT + "，算法为 " + ALGORITHM + "。",
      "The pack must be a public pack (" + PACK_FORMAT + ") of the algorithm " + ALGORITHM + "."));
    const pack = parseJson(input.pack, report, "format", L("核验包", "The pack"));
    if (!isObject(pack)) {
      if (pack !== null) report.fail("format", L("核验包不是 JSON 对象", "The pack is not a JSON object"));
      return finish();
    }
    if (pack.format !== PACK_FORMAT)
      report.fail("format", L(`核验包格式为 “${pack.format}”，本程序核验 “${PACK_FORMAT}”`, `The pack's format is "${pack.format}"; this checks "${PACK_FORMAT}"`));
    if (pack.algorithm !== ALGORITHM)
      report.fail("format", L(`算法为 “${pack.algorithm}”，本程序实现 “${ALGORITHM}”`, `The algorithm is "${pack.algorithm}"; this implements "${ALGORITHM}"`));
    const population = isObject(pack.population) ? pack.population : null;
    const draw = isObject(pack.entityDraw) ? pack.entityDraw : null;
    const parameters = draw && isObject(draw.parameters) ? draw.parameters : null;
    if (!str(pack.taskId)) report.fail("format", L("缺少任务编号 taskId", "taskId is missing"));
    if (!population) report.fail("format", L("缺少 population", "population is missing"));
    if (!draw || !parameters || !Array.isArray(draw.drawn) || !Array.isArray(draw.seals) || !Array.isArray(parameters.strata)
        || !Array.isArray(parameters.exclusions))
      report.fail("format", L("entityDraw 不完整（应有 parameters、drawn、seals）", "entityDraw is incomplete (it needs parameters, drawn and seals)"));
    if (report.failures.length > 0) return finish();
    const taskId = pack.taskId;

    report.step("commitment", L("抽取前公布的承诺值必须等于抽取后揭示的密钥的 SHA-256：服务器无法在看到见证人随机数后更换密钥。",
      "The commitment published before the draw must be the SHA-256 of the secret revealed after it: the server could not change its secret once it saw the witnesses' entropy."));
    let secret = null;
    if (!isHex(pack.revealedSecret, 64)) report.fail("commitment", L("揭示的密钥不是 64 位小写十六进制", "The revealed secret is not 64 lowercase hex digits"));
    else {
      secret = fromHex(pack.revealedSecret);
      const commitment = await commitmentOf(secret);
      if (commitment !== pack.secretCommitment)
        report.fail("commitment", L(`SHA-256(揭示的密钥) = ${commitment}，而公布的承诺值是 ${pack.secretCommitment}`,
          `SHA-256(revealed secret) = ${commitment}, but the published commitment is ${pack.secretCommitment}`));
    }

    let seed = null;
    const ceremony = pack.ceremony;
    if (ceremony === undefined || ceremony === null) {
      report.step("seed", L("种子由密钥、任务编号、算法和每位见证人的随机数（按记录顺序）以及公共信标算出；任何一项改动都会得到不同的种子。",
        "The seed is computed from the secret, the task id, the algorithm, every witness's entropy in the order recorded and the public beacon; changing any of them gives another seed."));
      const entropy = pack.entropy;
      const entropyOk = Array.isArray(entropy) && entropy.length > 0 && entropy.every(e => isObject(e) && str(e.witness) && str(e.value));
      const beaconOk = pack.beacon === null || (isObject(pack.beacon) && str(pack.beacon.source) && str(pack.beacon.value));
      if (!entropyOk) report.fail("seed", L("见证人随机数应为至少一条 {witness, value} 文本", "entropy must be at least one {witness, value} pair of texts"));
      if (!beaconOk) report.fail("seed", L("公共信标应为 null 或 {source, value}", "beacon must be null or {source, value}"));
      if (!isHex(pack.seed, 64)) report.fail("seed", L("种子不是 64 位小写十六进制", "The seed is not 64 lowercase hex digits"));
      if (secret && entropyOk && beaconOk) {
        const recomputed = await seedOf(secret, taskId, pack.algorithm, entropy, pack.beacon);
        if (hex(recomputed) !== pack.seed)
          report.fail("seed", L(`由公开输入算出的种子是 ${hex(recomputed)}，核验包记载的是 ${pack.seed}`,
            `The public inputs give the seed ${hex(recomputed)}; the pack records ${pack.seed}`));
      }
    } else {
      // Seed v2 (§3.3): the witnesses' contributions and the beacon are in the ceremony, and nowhere else.
      report.step("ceremony", L("本任务的种子来自见证仪式。任务计划中预先指定了一个公共随机信标的某一期及其公布时间。每位见证人先只提交自己所选数的承诺（数和随机盐的哈希，看不出数本身）；承诺必须在这一期信标公布之前截止，截止后不能再提交；截止后见证人揭示数和随机盐，必须与各自的承诺吻合；信标这一期的值只能在公布时间之后记录。这样，谁都无法在知道其他人的数或信标的值之后再选择自己的数。这里逐项检查这些时间和承诺。",
        "This task's seed comes from a witnessed ceremony. The task's plan named in advance a round of a public randomness beacon and when its value is due. Each witness first sent only a commitment to the number they chose (a hash of it and a random nonce, which shows nothing of the number); the commitments had to close before the beacon round was due, with none after the close; then the witnesses revealed their numbers and nonces, which must open their commitments; the round's value can only be recorded once it is due. So nobody could choose a number knowing the others' or the beacon's. Each of these times and commitments is checked here."));
      report.step("seed", L("种子由密钥、任务编号、算法、预先指定的信标（来源、期号、公布时间）、按记录顺序的每份见证人承诺（连同揭示的数；没有揭示的按“未揭示”计入）以及信标这一期的值算出；任何一项改动都会得到不同的种子。",
        "The seed is computed from the secret, the task id, the algorithm, the beacon named in advance (source, round, due time), every witness's commitment in the order recorded (with the number revealed, or counted as not revealed) and the beacon round's value; changing any of them gives another seed."));
      if (!Array.isArray(pack.entropy) || pack.entropy.length > 0)
        report.fail("ceremony", L("有见证仪式的核验包，entropy 应为空列表 []：见证人的数只记在仪式中", "A pack with a ceremony must have an empty entropy list []: the witnesses' numbers are in the ceremony only"));
      if (pack.beacon !== null)
        report.fail("ceremony", L("有见证仪式的核验包，beacon 应为 null：信标记在仪式中", "A pack with a ceremony must have beacon null: the beacon is the ceremony's"));
      if (!isHex(pack.seed, 64)) report.fail("seed", L("种子不是 64 位小写十六进制", "The seed is not 64 lowercase hex digits"));
      const shape = ceremonyShape(ceremony);
      if (shape !== null) {
        report.fail("ceremony", L(`见证仪式的记录不完整或格式不对：${shape}`, `The ceremony record is incomplete or malformed: ${shape}`));
        report.fail("seed", L("见证仪式的记录无法读取，种子无法重算", "The ceremony record cannot be read, so the seed cannot be recomputed"));
      } else {
        for (const problem of await ceremonyProblems(taskId, ceremony)) report.fail("ceremony", problem);
        const unopened = ceremony.commitments.filter(x => !ceremony.reveals.some(r => r.witness === x.witness)).map(x => x.witness);
        if (unopened.length > 0)
          report.note("ceremony", L(`未揭示的见证人：${unopened.join("、")}。其承诺按“未揭示”计入种子：缺席不会让抽取停下，也无法借缺席挑选结果（截止时信标的值还不存在，见证人也不知道服务器密钥）。`,
            `Not revealed: ${unopened.join(", ")}. Their commitments enter the seed as not revealed: staying away does not stop the draw, nor can it be used to choose (the beacon value did not exist at the close, and no witness knows the server secret).`));
        if (ceremony.beaconValue !== null) {
          report.note("ceremony", L(`请自行到 ${ceremony.beacon.source} 核对第 ${ceremony.beacon.round} 期的值是否为 “${ceremony.beaconValue.value}”。`,
            `Check for yourself that round ${ceremony.beacon.round} of ${ceremony.beacon.source} is "${ceremony.beaconValue.value}".`));
          if (secret) {
            const recomputed = await seedV2Of(secret, taskId, pack.algorithm, ceremony);
            if (hex(recomputed) !== pack.seed)
              report.fail("seed", L(`由密钥、见证仪式和信标的值算出的种子是 ${hex(recomputed)}，核验包记载的是 ${pack.seed}`,
                `The secret, the ceremony and the beacon value give the seed ${hex(recomputed)}; the pack records ${pack.seed}`));
          }
        } else {
          report.fail("seed", L("没有信标的值，种子无法重算", "Without the beacon value the seed cannot be recomputed"));
        }
      }
    }
    // The drawn members are checked against the seed the pack records, so that a wrong seed is reported once, here,
    // and not again as every drawn member's hash; the verdict fails either way.
    if (isHex(pack.seed, 64)) seed = fromHex(pack.seed);

    // 2. The members file, streamed.
    report.step("members", L("主体承诺名录在冻结时（见证人输入随机数之前）就公布了哈希。这里逐行检查格式和升序，统计行数，并算出整个文件的 SHA-256，与公布的哈希比对。每行只有信用代码和一个加盐承诺值，看不出信用分类。",
      "The members file's hash was published at the freeze, before any witness entropy existed. Each line's form and the order are checked, the lines counted, and the whole file's SHA-256 compared with the published hash. A line holds only the credit code and a salted commitment: no credit class can be read from it."));
    const exclusions = parameters.exclusions;
    const drawn = draw.drawn;
    let receipt = null, receiptProblem = null;
    if (input.receipt != null) {
      try { receipt = JSON.parse(input.receipt); } catch (e) { receiptProblem = e.message; }
      if (receiptProblem === null && !isObject(receipt)) { receiptProblem = L("不是 JSON 对象", "not a JSON object"); receipt = null; }
    }
    const wanted = drawn.filter(d => isObject(d)).map(d => d.memberId)
      .concat(exclusions.filter(x => isObject(x)).map(x => x.memberId));
    if (receipt && isMemberId(receipt.memberId)) wanted.push(receipt.memberId);
    let members = null;   // { found: Map id → commitment } once the file checked out well enough to look members up
    const membersSha = population.membersSha256;
    if (membersSha === null || membersSha === undefined) {
      report.skip("members", L("核验包没有主体承诺名录哈希（任务冻结于启用主体承诺之前），因此不核对名录，也不能核对回执。",
        "The pack has no members file hash (the task was frozen before members were committed), so no members file is checked, and no receipt can be."));
    } else if (input.members == null) {
      report.fail("members", L("需要主体承诺名录文件才能核验", "The members file is needed for this check"));
    } else {
      const scan = await scanMembers(input.members, wanted, input.onProgress);
      for (const p of scan.problems) report.fail("members", p);
      if (!isHex(membersSha, 64)) report.fail("members", L("核验包中的名录哈希不是 64 位小写十六进制", "The pack's members hash is not 64 lowercase hex digits"));
      else if (scan.sha256 !== membersSha)
        report.fail("members", L(`名录文件的 SHA-256 是 ${scan.sha256}，与冻结时公布的 ${membersSha} 不一致：名录被改动过，或不是本任务的名录`,
          `The members file's SHA-256 is ${scan.sha256}, not ${membersSha} as published at the freeze: the file was changed, or belongs to another task`));
      if (scan.count !== population.memberCount)
        report.fail("members", L(`名录有 ${scan.count} 个主体，核验包记载 ${population.memberCount} 个`, `The members file has ${scan.count} members; the pack says ${population.memberCount}`));
      if (scan.ordered) members = scan;
      else report.note("members", L("名录未按代码排序，因此无法判断下面的主体是否在名录中", "The file is not sorted by id, so membership below cannot be decided"));
    }

    // 3. The exclusions.
    report.step("exclusions", L("因检查频次上限等原因排除的主体名单在冻结时就已确定并公布哈希：每个被排除主体只出现一次、都在名录中，名单的 SHA-256 与公布值一致。",
      "Members excluded (by yearly caps and the like) were fixed at the freeze, with their hash: each appears once and is a member, and the list's SHA-256 equals the published one."));
    const excluded = new Map();
    let exclusionsReadable = true;
    exclusions.forEach((x, i) => {
      if (!isObject(x) || !isMemberId(x.memberId) || !str(x.reason)) {
        exclusionsReadable = false;
        report.fail("exclusions", L(`第 ${i + 1} 条排除记录不是 {memberId, reason}`, `exclusion ${i + 1} is not a {memberId, reason}`));
        return;
      }
      if (excluded.has(x.memberId)) report.fail("exclusions", L(`${x.memberId} 被排除了两次`, `${x.memberId} is excluded twice`));
      else excluded.set(x.memberId, x.reason);
      if (members && !members.found.has(x.memberId)) report.fail("exclusions", L(`被排除的 ${x.memberId} 不在名录中`, `the excluded ${x.memberId} is not a member`));
    });
    if (population.exclusionsSha256 === null || population.exclusionsSha256 === undefined)
      report.note("exclusions", L("核验包没有排除名单哈希（任务较早），未比对", "The pack has no exclusions hash (an older task): not compared"));
    else if (exclusionsReadable) {
      const h = await exclusionsHash(exclusions);
      if (h !== population.exclusionsSha256)
        report.fail("exclusions", L(`排除名单算出的哈希是 ${h}，与冻结时公布的 ${population.exclusionsSha256} 不一致：名单在种子公开后被改动过`,
          `The exclusions hash to ${h}, not ${population.exclusionsSha256} as fixed at the freeze: the list was changed after the seed was known`));
    }
    if (exclusions.length === 0) report.note("exclusions", L("本次没有排除任何主体", "No member was excluded"));

    // 4. The drawn members.
    report.step("drawn", L("每个主体的随机数由公开种子和它的信用代码算出（SHA-256），任何人都无法事先挑选。每个抽中主体都必须在名录中、未被排除，其哈希和随机数 u 与重算一致，并按随机数从小到大排列。",
      "Each member's random number follows from the public seed and its credit code (SHA-256); nobody could choose it in advance. Every drawn entity must be a member, not excluded, with the hash and random number u recomputed here, listed from the smallest number up."));
    const mode = parameters.mode;
    if (!Number.isInteger(draw.drawnCount) || draw.drawnCount !== drawn.length)
      report.fail("drawn", L(`drawnCount 为 ${draw.drawnCount}，名单实有 ${drawn.length} 个`, `drawnCount is ${draw.drawnCount}, the list has ${drawn.length} entries`));
    if (mode === "pareto" && !(Number.isInteger(parameters.totalCount) && drawn.length <= parameters.totalCount))
      report.fail("drawn", L(`按风险比例抽取最多抽 totalCount（${parameters.totalCount}）个，名单有 ${drawn.length} 个`,
        `A risk-weighted draw draws at most totalCount (${parameters.totalCount}); the list has ${drawn.length}`));
    const drawnIds = new Set();
    let fateKey = null;
    if (seed) {
      const key = await entityKey(seed, taskId, pack.algorithm);
      fateKey = key;
      let previous = null;
      for (let i = 0; i < drawn.length; i++) {
        const d = drawn[i];
        const where = L(`第 ${i + 1} 个抽中主体`, `drawn entity ${i + 1}`);
        if (!isObject(d) || !isMemberId(d.memberId)) { report.fail("drawn", L(`${where}没有有效的信用代码`, `${where} has no valid credit code`)); previous = null; continue; }
        const id = d.memberId;
        if (drawnIds.has(id)) report.fail("drawn", L(`${id} 被抽中两次`, `${id} is drawn twice`));
        drawnIds.add(id);
        if (members && !members.found.has(id)) report.fail("drawn", L(`抽中的 ${id} 不在名录中`, `the drawn ${id} is not a member`));
        if (excluded.has(id)) report.fail("drawn", L(`${id} 已被排除（${excluded.get(id)}），却被抽中`, `${id} was excluded (${excluded.get(id)}) but is drawn`));
        const h = await memberHash(key, id);
        const m = top52(h);
        if (hex(h) !== d.hash)
          report.fail("drawn", L(`${id} 的哈希：核验包为 ${d.hash}，由种子重算为 ${hex(h)}`, `${id}: the pack's hash is ${d.hash}, the seed gives ${hex(h)}`));
        const u = uniformOf(m);
        if (typeof d.uniform !== "number" || !(Math.abs(u - d.uniform) <= 1e-12 * Math.max(Math.abs(u), Math.abs(d.uniform))))
          report.fail("drawn", L(`${id} 的随机数 u：核验包为 ${d.uniform}，由种子重算为 ${u}`, `${id}: the pack's u is ${d.uniform}, the seed gives ${u}`));
        if (previous && (m < previous.m || (m === previous.m && ordinal(id, previous.id) <= 0)))
          report.fail("drawn", L(`${id} 没有按随机数从小到大排在 ${previous.id} 之后`, `${id} is not in ascending order of m after ${previous.id}`));
        previous = { m, id };
      }
    } else {
      report.skip("drawn", L("种子无法重算，因此无法核对抽中主体", "The seed could not be recomputed, so the drawn entities cannot be checked"));
    }

    // 5. The seals' names.
    report.step("seals", L("抽取后，决定每个主体结果的分层数字被加盐封存；这里检查封存值的名称与抽取规则一一对应（每个分层一个，或风险比例抽取一个）。封存值的内容只有持回执的主体和审计机构能核对。",
      "After the draw, the figures that decide each member's fate are sealed with a salt; the seals' names must match the rules (one per stratum, or one for a risk-weighted draw). What is inside a seal only an entity with its receipt, or an auditor, can check."));
    const seals = draw.seals;
    let expectedNames = null;
    if (mode === "stratified") expectedNames = parameters.strata.map(r => "stratum/" + (isObject(r) ? r.stratum : ""));
    else if (mode === "pareto") expectedNames = ["pareto"];
    else report.fail("seals", L(`未知的抽取方式 “${mode}”`, `unknown mode "${mode}"`));
    const sealNames = seals.map(s => (isObject(s) ? s.name : null));
    if (membersSha === null || membersSha === undefined) {
      if (seals.length > 0) report.fail("seals", L("没有主体承诺的任务不应有封存值", "A task without member commitments has no seals"));
      else report.note("seals", L("没有封存值：任务冻结于启用主体承诺之前", "No seals: the task was frozen before members were committed"));
    } else if (expectedNames) {
      if (sealNames.join("\n") !== expectedNames.join("\n"))
        report.fail("seals", L(`封存值名称为 [${sealNames.join(", ")}]，抽取规则应给出 [${expectedNames.join(", ")}]`,
          `The seals are named [${sealNames.join(", ")}]; the rules give [${expectedNames.join(", ")}]`));
      seals.forEach(s => { if (!isObject(s) || !isHex(s.seal, 64)) report.fail("seals", L(`封存值 ${isObject(s) ? s.name : "?"} 不是 64 位小写十六进制`, `seal ${isObject(s) ? s.name : "?"} is not 64 lowercase hex digits`)); });
    }

    // 6. The receipt (§11.4).
    let fate = null;
    if (input.receipt != null) {
      report.step("receipt", L("回执载有本主体的分类、权重和盐值以及所在分层封存值的开启信息：据此核对抽取所用的分类就是冻结时承诺的分类，并由公开种子判断本主体是否应被抽中。",
        "The receipt holds this entity's class, weight and salt and the opening of its seal: with them the class the draw used is checked against the one committed at the freeze, and the public seed decides whether the entity should have been drawn."));
      if (receiptProblem !== null) report.fail("receipt", L(`回执无法读取（${receiptProblem}）`, `The receipt cannot be read (${receiptProblem})`));
    }
    if (receipt) fate = await checkReceipt(receipt, { report, pack, parameters, mode, members, excluded, drawnIds, seals, fateKey, membersSha });
    return finish(fate);
  }

  async function checkReceipt(receipt, c) {
    const { report, pack, parameters, mode, members, excluded, drawnIds, seals } = c;
    const fail = message => report.fail("receipt", message);
    if (receipt.format !== RECEIPT_FORMAT) fail(L(`回执格式为 “${receipt.format}”，本程序核验 “${RECEIPT_FORMAT}”`, `The receipt's format is "${receipt.format}"; this checks "${RECEIPT_FORMAT}"`));
    if (receipt.taskId !== pack.taskId) fail(L(`回执属于任务 ${receipt.taskId}，核验包属于任务 ${pack.taskId}`, `The receipt is for task ${receipt.taskId}, the pack for ${pack.taskId}`));
    const id = receipt.memberId;
    if (!isMemberId(id)) { fail(L("回执没有有效的信用代码", "The receipt has no valid credit code")); return null; }
    if (c.membersSha === null || c.membersSha === undefined) { fail(L("本任务没有主体承诺，回执无法核验", "This task has no member commitments, so no receipt can be checked")); return null; }
    if (!members) { fail(L("名录没有通过检查，无法核验回执", "The members file did not check out, so the receipt cannot be checked")); return null; }
    const isDrawn = drawnIds.has(id);
    const line = members.found.get(id);

    // 1. Not in the population.
    if (receipt.member === null) {
      if (line !== undefined) fail(L(`回执说 ${id} 不在抽取名录中，但名录中有它`, `The receipt says ${id} was not in the population, but the members file lists it`));
      if (isDrawn) fail(L(`回执说 ${id} 不在抽取名录中，但它被抽中了`, `The receipt says ${id} was not in the population, but it is drawn`));
      return { drawn: false, reason: "not-in-population", text: L("未被抽中：不在本次抽取名录中", "not drawn: not in this draw's population") };
    }
    const member = receipt.member;
    if (!isObject(member) || !str(member.stratum) || !str(member.weight) || !isHex(member.salt, 32)) {
      fail(L("回执的 member 应为 {stratum, weight, salt（32 位十六进制）}", "The receipt's member must be {stratum, weight, salt (32 hex digits)}"));
      return null;
    }
    // 2. The class and weight used are those committed at the freeze.
    if (line === undefined) { fail(L(`${id} 不在名录中`, `${id} is not in the members file`)); return null; }
    const commitment = await memberCommitment(fromHex(member.salt), id, member.stratum, member.weight);
    if (commitment !== line)
      fail(L(`回执中的分类、权重和盐值算出的承诺值是 ${commitment}，而名录在冻结时承诺的是 ${line}：抽取所用的分类或权重不是冻结时的`,
        `The receipt's class, weight and salt give the commitment ${commitment}, but the members file committed ${line} at the freeze: the class or weight used is not the one frozen`));

    // 3. Exclusion, and a stratum outside the draw.
    const excludedFor = excluded.has(id) ? excluded.get(id) : null;
    if ((receipt.excluded === undefined ? null : receipt.excluded) !== excludedFor)
      fail(L(`回执的排除原因是 “${receipt.excluded}”，核验包的排除名单是 “${excludedFor}”`, `The receipt's exclusion is "${receipt.excluded}", the pack's exclusions say "${excludedFor}"`));
    if (excludedFor !== null && isDrawn) fail(L(`${id} 已被排除却被抽中`, `${id} is excluded but drawn`));
    const rule = parameters.strata.find(r => isObject(r) && r.stratum === member.stratum);
    if (!rule) {
      if (receipt.seal != null) fail(L(`分层 ${member.stratum} 不在本次抽取范围内，不应有封存值`, `stratum ${member.stratum} takes no part in the draw, so it has no seal`));
      if (isDrawn) fail(L(`${id} 的分层不在抽取范围内，却被抽中`, `${id}'s stratum takes no part in the draw, yet it is drawn`));
      return { drawn: false, reason: "out-of-scope", text: L("未被抽中：所在分层不在本次抽取范围内", "not drawn: its stratum takes no part in this draw") };
    }

    // 4. The seal opens to the pack's seal of that name.
    const seal = receipt.seal;
    const name = mode === "pareto" ? "pareto" : "stratum/" + member.stratum;
    if (!isObject(seal) || !str(seal.name) || !isHex(seal.salt, 32) || !Array.isArray(seal.opening) || !seal.opening.every(str)) {
      fail(L("回执的封存值应为 {name, salt, opening}", "The receipt's seal must be {name, salt, opening}"));
      return null;
    }
    if (seal.name !== name) fail(L(`回执的封存值名称是 ${seal.name}，本主体应为 ${name}`, `The receipt's seal is ${seal.name}; this member's is ${name}`));
    const published = seals.find(s => isObject(s) && s.name === seal.name);
    const recomputed = await sealOf(fromHex(seal.salt), seal.name, seal.opening);
    if (!published) fail(L(`核验包没有名为 ${seal.name} 的封存值`, `The pack has no seal named ${seal.name}`));
    else if (published.seal !== recomputed)
      fail(L(`回执的开启信息算出的封存值是 ${recomputed}，核验包公布的是 ${published.seal}：开启信息不是抽取时封存的`,
        `The opening gives the seal ${recomputed}, but the pack published ${published.seal}: the opening is not what was sealed after the draw`));

    // 5. The opening fits the rule; 6. the fate it gives equals the drawn list.
    const opening = seal.opening;
    if (!c.fateKey) { fail(L("种子无法重算，无法判断本主体的结果", "The seed could not be recomputed, so the fate cannot be decided")); return null; }
    const h = await memberHash(c.fateKey, id);
    const m = top52(h);
    let shouldBeDrawn = null, why = "";
    if (mode === "pareto") {
      const [a, d, certainFrom, threshold] = opening;
      const weight = weightMicros(member.weight);
      if (opening.length !== 4 || !canonicalInteger(a) || !canonicalInteger(d) || !(certainFrom === "" || canonicalInteger(certainFrom)) || weight === null) {
        fail(L("风险比例封存值应开启为 [a, D, certainFrom, threshold]，权重须为规范小数", "The Pareto seal opens to [a, D, certainFrom, threshold], and the weight must be canonical"));
        return null;
      }
      const aa = BigInt(a), dd = BigInt(d);
      if (!(Number.isInteger(parameters.totalCount) && aa <= BigInt(parameters.totalCount)))
        fail(L(`a = ${a} 超过 totalCount`, `a = ${a} exceeds totalCount`));
      if (aa === 0n && threshold !== "none") fail(L("a = 0 时阈值应为 none", "with a = 0 the threshold must be none"));
      if (excludedFor !== null) shouldBeDrawn = false;
      else if (certainFrom !== "" && weight >= BigInt(certainFrom)) { shouldBeDrawn = true; why = L("权重达到必抽门槛", "its weight reaches the certain threshold"); }
      else if (threshold === "none") { shouldBeDrawn = false; why = L("阈值为 none", "the threshold is none"); }
      else if (threshold === "all") { shouldBeDrawn = true; why = L("阈值为 all", "the threshold is all"); }
      else if (aa * weight >= dd || aa === 0n) {
        fail(L("开启信息与本主体的权重矛盾（a·w ≥ D）", "The opening contradicts this member's weight (a·w ≥ D)"));
        return null;
      } else {
        const p = (2n * m + 1n) * (dd - aa * weight), q = (TWO53 - 2n * m - 1n) * aa * weight;
        shouldBeDrawn = drawnUnder(threshold, p, q, id);
        why = L(`排序键 ${p}/${q} 与阈值 ${threshold} 比较`, `its key ${p}/${q} against the threshold ${threshold}`);
      }
    } else {
      const [bigText, nText, threshold] = opening;
      if (opening.length !== 3 || !canonicalInteger(bigText) || !canonicalInteger(nText)) {
        fail(L("分层封存值应开启为 [N, n, threshold]", "A stratum seal opens to [N, n, threshold]"));
        return null;
      }
      const big = BigInt(bigText), n = BigInt(nText);
      const expected = stratumSample(rule, big);
      if (expected.error) fail(L(`分层 ${member.stratum} 的规则无效：${expected.error}`, `stratum ${member.stratum}'s rule is invalid: ${expected.error}`));
      else if (expected.n !== n) fail(L(`开启信息中 n = ${n}，而规则对 N = ${big} 给出 ${expected.n}`, `The opening has n = ${n}; the rule gives ${expected.n} for N = ${big}`));
      const fits = threshold === "none" ? n === 0n : threshold === "all" ? n === big && n > 0n
        : n > 0n && n < big && (parseThreshold(threshold) || {}).q === TWO53;
      if (!fits) fail(L(`阈值 “${threshold}” 与 n = ${n}、N = ${big} 不符`, `The threshold "${threshold}" does not fit n = ${n}, N = ${big}`));
      shouldBeDrawn = drawnUnder(threshold, 2n * m + 1n, TWO53, id);
      why = L(`随机数 (2m+1)/2^53 = ${2n * m + 1n}/${TWO53} 与阈值 ${threshold} 比较`, `its number (2m+1)/2^53 = ${2n * m + 1n}/${TWO53} against the threshold ${threshold}`);
    }
    if (shouldBeDrawn === null) { fail(L("阈值格式不正确", "The threshold is not well formed")); return null; }
    // An excluded member was removed before the draw: the threshold, which orders the remaining members, says nothing of it.
    if (excludedFor !== null) {
      return { drawn: false, reason: "excluded", text: L(`未被抽中：已被排除（${excludedFor}）`, `not drawn: excluded (${excludedFor})`) };
    }
    if (shouldBeDrawn !== isDrawn)
      fail(L(`按封存的阈值，${id} ${shouldBeDrawn ? "应被抽中" : "不应被抽中"}，而核验包${isDrawn ? "抽中了它" : "没有抽中它"}（${why}）`,
        `By the sealed threshold ${id} should ${shouldBeDrawn ? "" : "not "}be drawn, and the pack ${isDrawn ? "draws" : "does not draw"} it (${why})`));
    return isDrawn
      ? { drawn: true, reason: "drawn", text: L(`被抽中：${why}`, `drawn: ${why}`) }
      : { drawn: false, reason: "not-drawn", text: L(`未被抽中：${why}`, `not drawn: ${why}`) };
  }

  // ---------------------------------------------------------------- the page
  function el(tag, attributes, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attributes || {})) e.setAttribute(k, v);
    for (const c of children) if (c != null) e.append(c);
    return e;
  }

  function render(target, result) {
    target.replaceChildren();
    const pass = result.passed;
    const verdict = el("div", { class: "verdict " + (pass ? "pass" : "fail"), "data-testid": "verify-verdict", "data-verdict": result.verdict, role: "status" },
      el("strong", {}, pass ? L("通过（PASS）", "PASS") : L("未通过（FAIL）", "FAIL")),
      " ",
      pass ? L("以下每一项检查都通过了：这次抽取与公开的承诺、种子和名录一致。", "Every check below passed: this draw agrees with the published commitment, seed and members file.")
        : L(`有 ${result.failures.length} 处不一致，列在下面。`, `${result.failures.length} difference(s), listed below.`));
    target.append(verdict);
    if (result.fate) target.append(el("p", { class: "fate", "data-testid": "verify-fate", "data-fate": result.fate.reason }, L("本主体：", "This entity: ") + result.fate.text));
    if (!pass) {
      const list = el("ul", { "data-testid": "verify-failures", class: "failures" });
      for (const f of result.failures) list.append(el("li", { "data-check": f.check }, el("strong", {}, f.title + L("：", ": ")), f.message));
      target.append(el("h3", {}, L("未通过的检查", "Failed checks")), list);
    }
    const steps = el("ol", { class: "verify-steps", "data-testid": "verify-steps" });
    for (const s of result.steps) {
      const status = s.failures.length > 0 ? "fail" : s.skipped ? "skip" : "pass";
      const badge = el("span", { class: "badge " + (status === "fail" ? "bad" : status === "skip" ? "warn" : "ok") },
        status === "fail" ? L("未通过", "failed") : status === "skip" ? L("未核对", "not checked") : L("通过", "passed"));
      const item = el("li", { "data-step": s.id, "data-status": status }, el("strong", {}, s.title), " ", badge, el("p", {}, s.explain));
      for (const n of s.notes) item.append(el("p", { class: "muted" }, n));
      steps.append(item);
    }
    target.append(el("h3", {}, L("逐步说明", "Step by step")), steps);
  }

  function setup(root) {
    const output = root.querySelector("[data-testid=verify-result]");
    const progress = root.querySelector("progress");
    const status = root.querySelector("[data-testid=verify-status]");
    const buttons = root.querySelectorAll("button[data-action]");
    const receiptInput = root.querySelector("input[name=receipt]");

    async function run(read) {
      buttons.forEach(b => { b.disabled = true; });
      output.replaceChildren();
      root.removeAttribute("data-done");
      try {
        const input = await read();
        if (!input) return;
        if (progress) { progress.hidden = false; progress.removeAttribute("value"); if (input.size) progress.max = input.size; }
        input.onProgress = done => { if (progress && input.size) progress.value = done; };
        status.textContent = L("正在核验……", "Verifying…");
        const result = await verify(input);
        status.textContent = "";
        render(output, result);
      } catch (e) {
        status.textContent = L("无法核验：", "Could not verify: ") + e.message;
      } finally {
        if (progress) progress.hidden = true;
        buttons.forEach(b => { b.disabled = false; });
        root.setAttribute("data-done", "true");
      }
    }

    async function receiptText() {
      const file = receiptInput && receiptInput.files[0];
      return file ? file.text() : null;
    }

    root.addEventListener("click", e => {
      const button = e.target.closest("button[data-action]");
      if (!button) return;
      if (button.dataset.action === "verify-files") {
        run(async () => {
          const pack = root.querySelector("input[name=pack]").files[0];
          const members = root.querySelector("input[name=members]").files[0];
          if (!pack) { status.textContent = L("请选择公开核验包（JSON）。", "Choose the public pack (JSON)."); return null; }
          return { pack: await pack.text(), members: members || null, size: members ? members.size : 0, receipt: await receiptText() };
        });
      } else if (button.dataset.action === "verify-task") {
        run(async () => {
          status.textContent = L("正在下载公开核验包……", "Fetching the public pack…");
          const packResponse = await fetch(root.dataset.packUrl, { credentials: "omit" });
          if (!packResponse.ok) throw new Error(L("核验包下载失败，HTTP ", "the pack could not be fetched, HTTP ") + packResponse.status);
          const pack = await packResponse.text();
          let members = null, size = 0;
          const parsed = (() => { try { return JSON.parse(pack); } catch { return null; } })();
          if (!parsed || !parsed.population || parsed.population.membersSha256 != null) {
            status.textContent = L("正在下载并核验主体承诺名录……", "Fetching and checking the members file…");
            members = await fetch(root.dataset.membersUrl, { credentials: "omit" });
            if (!members.ok) throw new Error(L("名录下载失败，HTTP ", "the members file could not be fetched, HTTP ") + members.status);
            size = Number(members.headers.get("Content-Length")) || 0;
          }
          return { pack, members, size, receipt: await receiptText() };
        });
      }
    });
    root.setAttribute("data-ready", "true");
  }

  window.SupervisionVerify = {
    Sha256, sha256, sha256Sync, hex, fromHex, utf8, lp, top52, uniformOf, commitmentOf, seedOf, entityKey, memberHash,
    parseTime, witnessCommitment, seedV2Of, ceremonyShape, ceremonyProblems,
    memberSalt, memberCommitment, sealSalt, sealOf, exclusionsHash, weightMicros, ratioMicros, stratumSample, drawnUnder,
    membersScanner, scanMembers, verify,
  };

  document.querySelectorAll("[data-browser-verifier]").forEach(setup);
})();
