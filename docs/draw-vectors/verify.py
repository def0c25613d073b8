#!/usr/bin/env python3
"""
An independent verifier of spotcheck-draw/2, written from docs/draw-spec.md alone (Python 3.8+, standard library only).

    python3 verify.py FILE...

Each FILE is either a test vector (docs/draw-vectors/*.json: the registries, the inputs, every intermediate value and
both bundles) or a bundle the bot sent (internal or public). For a vector, every intermediate value is recomputed from
the registry rows and compared, then both bundles are verified. For a bundle, the rules of §10 are checked; a bundle
of a draw imported from the national platform (platform-import/1, §14) is checked by the rules of §14.5 only: its
randomness came from the platform and cannot be recomputed.
Exit status 0 when everything matches; otherwise each failure is printed with its rule.
"""
import hashlib
import hmac
import json
import os
import re
import sys
from datetime import datetime, timezone, timedelta

ALG = 'spotcheck-draw/2'
PLATFORM_ALG = 'platform-import/1'
PLATFORM_SOURCE = '平台'
# the entries that record a confirmed draw; a draw's attempt is 1 + their number before it (§8.3)
CONFIRMED = ('reveal', 'platform')
LOG_FORMAT = 'spotcheck-draw-log/1'
BUNDLE_FORMAT = 'spotcheck-draw-bundle'
CITY = '市局'
CATEGORIES = ['工业产品', '食品相关产品']
CLASSES = ['A', 'B', 'C', 'D']
ROLE_ORDER = ['组长', '执法人员', '专家', '联络员', '领导']
ZERO = '0' * 64
MAX_SAFE = 2 ** 53 - 1
# For the project's test that the vectors pin every tie-break (test/unit/draw2/vectors.test.ts) only: changes one rule
# of the spec, so that the test can show a vector then fails. Unset in any real use.
MUTATE = os.environ.get('SPOTCHECK_DRAW_MUTATE', '')


# ---- §1 encodings ------------------------------------------------------------------------------------------------

def u16(s):
    """Sort key: UTF-16 code units."""
    return s.encode('utf-16-be', 'surrogatepass')


def jcs_string(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if 0xD800 <= o <= 0xDFFF:
            raise ValueError('lone surrogate')
        if ch == '"':
            out.append('\\"')
        elif ch == '\\':
            out.append('\\\\')
        elif ch == '\b':
            out.append('\\b')
        elif ch == '\t':
            out.append('\\t')
        elif ch == '\n':
            out.append('\\n')
        elif ch == '\f':
            out.append('\\f')
        elif ch == '\r':
            out.append('\\r')
        elif o < 0x20:
            out.append('\\u%04x' % o)
        else:
            out.append(ch)
    out.append('"')
    return ''.join(out)


def jcs(v):
    if v is None:
        return 'null'
    if v is True:
        return 'true'
    if v is False:
        return 'false'
    if isinstance(v, int):
        if abs(v) > MAX_SAFE:
            raise ValueError('integer out of range')
        return str(v)
    if isinstance(v, float):
        if v != int(v) or abs(v) > MAX_SAFE:
            raise ValueError('fraction in hashed data')
        return str(int(v))
    if isinstance(v, str):
        return jcs_string(v)
    if isinstance(v, list):
        return '[' + ','.join(jcs(x) for x in v) + ']'
    if isinstance(v, dict):
        keys = sorted(v.keys(), key=u16)
        return '{' + ','.join(jcs_string(k) + ':' + jcs(v[k]) for k in keys) + '}'
    raise ValueError('unsupported value %r' % (v,))


def H(text):
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def Hv(value):
    return H(jcs(value))


def hmac_hex(key, message):
    return hmac.new(key, message.encode('utf-8'), hashlib.sha256).hexdigest()


def Hk(blind, value):
    """§2: a registry list's hash: HMAC keyed with the blind's 32 bytes over JCS(value); without a blind (§12.1) SHA-256."""
    if blind is None:
        return Hv(value)
    return hmac.new(bytes.fromhex(blind), jcs(value).encode('utf-8'), hashlib.sha256).hexdigest()


# §1 white space: what ECMAScript's trim removes (not Python's str.strip, which differs)
WS = '\t\n\x0b\x0c\r \u00a0\u1680' + ''.join(chr(c) for c in range(0x2000, 0x200b)) + '\u2028\u2029\u202f\u205f\u3000\ufeff'


def trim(s):
    return s.strip() if MUTATE == 'whitespace' else s.strip(WS)


def is_hex64(v):
    return isinstance(v, str) and re.fullmatch('[0-9a-f]{64}', v) is not None


def ceil_div(a, b):
    return (a + b - 1) // b


# ---- §2 inputs -----------------------------------------------------------------------------------------------------

USCC_SET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def valid_uscc(c):
    if not isinstance(c, str) or len(c) != 18 or any(ch not in USCC_SET for ch in c):
        return False
    s = sum(USCC_SET.index(c[i]) * USCC_W[i] for i in range(17))
    return USCC_SET.index(c[17]) == (31 - s % 31) % 31


def valid_date(d):
    if not isinstance(d, str) or not re.fullmatch(r'\d{4}-\d{2}-\d{2}', d):
        return False
    try:
        datetime.strptime(d, '%Y-%m-%d')
        return True
    except ValueError:
        return False


POP_KEYS = ['category', 'county', 'licenceNo', 'name', 'product', 'riskClass', 'uscc', 'validTo']


def split_registry(rows, start):
    """§2.1–2.2: population and exclusions from registry rows."""
    exclusions, candidates, best = [], [], {}

    def text(v):
        # §2.2: a missing value (absent, null, not text) is written as the empty text
        return str(v) if MUTATE == 'missing-text' else v if isinstance(v, str) else ''

    def ex(r, reason):
        return {'uscc': text(r.get('uscc')), 'licenceNo': text(r.get('licenceNo')), 'category': text(r.get('category')),
                'riskClass': text(r.get('riskClass')), 'validTo': text(r.get('validTo')), 'reason': reason}
    for r in rows:
        if not valid_uscc(r.get('uscc')):
            exclusions.append(ex(r, 'invalid-code'))
        elif r.get('category') not in CATEGORIES:
            exclusions.append(ex(r, 'invalid-category'))
        elif r.get('riskClass') not in CLASSES:
            exclusions.append(ex(r, 'invalid-class'))
        elif not valid_date(r.get('validTo')):
            exclusions.append(ex(r, 'invalid-date'))
        elif r['validTo'] < start:
            exclusions.append(ex(r, 'expired'))
        else:
            candidates.append(r)
            k = best.get(r['uscc'])
            if k is None or r['validTo'] > k['validTo'] or (r['validTo'] == k['validTo'] and u16(r['licenceNo']) < u16(k['licenceNo'])):
                if not (MUTATE == 'duplicate-licence' and k is not None and r['validTo'] == k['validTo']):
                    best[r['uscc']] = r
            elif MUTATE == 'duplicate-licence' and r['validTo'] == k['validTo'] and u16(r['licenceNo']) > u16(k['licenceNo']):
                best[r['uscc']] = r
            elif MUTATE == 'duplicate-order' and r['validTo'] == k['validTo'] and r['licenceNo'] == k['licenceNo']:
                best[r['uscc']] = r
    population = []
    for r in candidates:
        if best[r['uscc']] is r:
            population.append({k: r[k] for k in POP_KEYS})
        else:
            exclusions.append(ex(r, 'duplicate'))
    population.sort(key=lambda r: u16(r['uscc']))
    exclusions.sort(key=lambda x: (u16(x['uscc']), u16(x['licenceNo']), u16(x['reason'])))
    return population, exclusions


def staff_rows(people):
    """§2.3."""
    out = []
    for s in people:
        if not any(r in s['roles'] for r in ('组长', '执法人员', '专家')):
            continue
        def opt(v):
            return v if isinstance(v, str) and trim(v) != '' else None

        def text(v):
            return v if isinstance(v, str) else ''
        out.append({'openId': s['openId'], 'name': text(s.get('name')), 'roles': [r for r in ROLE_ORDER if r in s['roles']],
                    'unit': text(s.get('unit')), 'county': s['county'], 'businessLine': opt(s.get('businessLine')),
                    'expertise': opt(s.get('expertise')), 'avoid': sorted(set(s.get('avoid') or []), key=u16)})
    out.sort(key=lambda r: u16(r['openId']))
    return out


SEP = re.compile('[\u3001,\uff0c;\uff1b/\uff0f \t\n\r\u3000]+')


def entries(text):
    if not isinstance(text, str):
        return []
    return [e for e in SEP.split(text) if e != '']


def ref(open_id):
    """§2.5."""
    return H(ALG + '|person|' + open_id)[:16]


def catalogue_hash(c):
    return Hv({'version': c['version'], 'source': c['source'], 'classes': c['classes'], 'units': c['units']})


def parameters_problem(p):
    try:
        if not valid_date(p['campaignStart']):
            return 'campaignStart'
        for k in ('campaign', 'A', 'B', 'C', 'D'):
            v = p['ratiosPpm'][k]
            if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 1000000:
                return 'ratiosPpm.' + k
        t = p['team']
        if not (isinstance(t['officers'], int) and 1 <= t['officers'] <= 10):
            return 'team.officers'
        if not (isinstance(t['countyOfficers'], int) and 1 <= t['countyOfficers'] <= t['officers']):
            return 'team.countyOfficers'
        if not isinstance(t['excludeOwnCounty'], bool):
            return 'team.excludeOwnCounty'
        if t['expertMode'] not in ('none', 'whenMatching', 'required'):
            return 'team.expertMode'
        if not (isinstance(t['workloadSlack'], int) and 0 <= t['workloadSlack'] <= 100):
            return 'team.workloadSlack'
        if not isinstance(p['catalogue']['hash'], str):
            return 'catalogue'
    except (KeyError, TypeError):
        return 'missing member'
    return None


# ---- §5.1 catalogue ------------------------------------------------------------------------------------------------

class Catalogue:
    def __init__(self, c):
        self.units, self.classes = {}, {}
        self.compound = []
        for x in c['units'] + c['classes']:
            for a in x['aliases']:
                if SEP.search(a):
                    self.compound.append((a, x['name']))
        self.compound.sort(key=lambda p: (-(len(p[0].encode('utf-16-be')) // 2), u16(p[0])))
        for u in c['units']:
            for n in [u['name']] + u['aliases']:
                self.units[n] = (u['code'], u['class'])
        for k in c['classes']:
            for n in [k['name']] + k['aliases']:
                self.classes.setdefault(n, k['code'])

    def resolve(self, text):
        tokens, classes = set(), set()
        if isinstance(text, str):
            for alias, name in self.compound:
                text = text.replace(alias, name)
        for e in entries(text):
            if e in self.units:
                code, cls = self.units[e]
                tokens.add(code)
                classes.add(cls)
            elif e in self.classes:
                tokens.add(self.classes[e])
                classes.add(self.classes[e])
        return tokens, classes


# ---- §3 seed -------------------------------------------------------------------------------------------------------

def derive_seed(commitment_hash, bot_value, entropy):
    return Hv({'algorithm': ALG, 'botValue': bot_value, 'commitment': commitment_hash, 'entropy': entropy})


def key(seed_hex, label, blind):
    """K(label) = HMAC(seed bytes, "spotcheck-draw/2|" + label + "|" + blind hex); without a blind (§12.1) no suffix."""
    msg = ALG + '|' + label + ('' if blind is None else '|' + blind)
    return hmac.new(bytes.fromhex(seed_hex), msg.encode('utf-8'), hashlib.sha256).digest()


# ---- §4 counts -----------------------------------------------------------------------------------------------------

STRATA = [(c, r) for c in CATEGORIES for r in CLASSES]
TOP_UP = [(c, r) for r in reversed(CLASSES) for c in CATEGORIES]
if MUTATE == 'topup-class':
    TOP_UP = [(c, r) for r in CLASSES for c in CATEGORIES]
elif MUTATE == 'topup-category':
    TOP_UP = [(c, r) for r in reversed(CLASSES) for c in reversed(CATEGORIES)]


def counts_from_sizes(sizes, p):
    rp = p['ratiosPpm']
    rows = []
    for i, (cat, rc) in enumerate(STRATA):
        n = sizes[i]
        rows.append({'category': cat, 'riskClass': rc, 'size': n, 'base': min(n, ceil_div(rp[rc] * n, 10 ** 6)), 'topUp': 0})
    N = sum(sizes)
    target = min(N, ceil_div(rp['campaign'] * N, 10 ** 6))
    total = sum(r['base'] for r in rows)
    order = [rows[STRATA.index(s)] for s in TOP_UP]
    while total < target:
        best, best_short = None, None
        for r in order:
            count = r['base'] + r['topUp']
            if count >= r['size']:
                continue
            short = rp['campaign'] * r['size'] - 10 ** 6 * count
            if best is None or short > best_short:
                best, best_short = r, short
        if best is None:
            break
        best['topUp'] += 1
        total += 1
    for r in rows:
        r['count'] = r['base'] + r['topUp']
    return {'population': N, 'target': target, 'strata': rows}


# ---- §5–§7 the draw ------------------------------------------------------------------------------------------------

def compute(population, staff, p, seed, catalogue, blind):
    """Returns (result, details) where details hold the scores for the vectors."""
    sizes = [sum(1 for r in population if (r['category'], r['riskClass']) == s) for s in STRATA]
    counts = counts_from_sizes(sizes, p)
    k_select = key(seed, 'select', blind)
    scores = {r['uscc']: hmac_hex(k_select, r['uscc']) for r in population}
    selected, ranks = [], {}
    for i, s in enumerate(STRATA):
        group = sorted([r for r in population if (r['category'], r['riskClass']) == s], key=lambda r: (scores[r['uscc']], u16(r['uscc'])))
        for rank, r in enumerate(group[:counts['strata'][i]['count']], 1):
            selected.append(r)
            ranks[r['uscc']] = rank
    selected.sort(key=lambda r: (u16(r['county']), u16(r['uscc'])))
    no = {r['uscc']: i + 1 for i, r in enumerate(selected)}

    team_p = p['team']
    k, cc, slack = team_p['officers'], team_p['countyOfficers'], team_p['workloadSlack']
    T = len(selected)
    refs = [ref(s['openId']) for s in staff]
    L = [i for i, s in enumerate(staff) if '组长' in s['roles'] and s['county'] == CITY]
    O = [i for i, s in enumerate(staff) if '执法人员' in s['roles']]
    Oc = [i for i in O if staff[i]['county'] != CITY]
    X = [] if team_p['expertMode'] == 'none' else [i for i, s in enumerate(staff) if '专家' in s['roles']]
    line = team_p['preferredBusinessLine']
    tier = [0 if line is not None and line in entries(s['businessLine']) else 1 for s in staff]
    firm_res = {r['uscc']: catalogue.resolve(r['product']) for r in selected}
    exp_res = {i: catalogue.resolve(staff[i]['expertise']) for i in X}

    cap_l = ceil_div(T, len(L)) + slack if L else 0
    cap_o = (max(ceil_div(T * k, len(O)), ceil_div(T * cc, len(Oc)) if Oc else 0) + slack) if O else 0
    demand, supply = {}, {}
    for r in selected:
        for c in firm_res[r['uscc']][1]:
            demand[c] = demand.get(c, 0) + 1
    for i in X:
        for c in exp_res[i][1]:
            supply[c] = supply.get(c, 0) + 1
    cap_x = {i: (max(ceil_div(demand.get(c, 0), supply[c]) for c in exp_res[i][1]) + slack) if exp_res[i][1] else 0 for i in X}

    load_l, load_o, load_x = [0] * len(staff), [0] * len(staff), [0] * len(staff)
    k_order, k_leader, k_officer, k_expert = (key(seed, x, blind) for x in ('team-order', 'leader', 'officer', 'expert'))
    order = sorted(selected, key=lambda r: (hmac_hex(k_order, r['uscc']), u16(r['uscc'])))
    own = team_p['excludeOwnCounty']

    def eligible(i, f, team, load, cap):
        if i in team or f['uscc'] in staff[i]['avoid']:
            return False
        if own and staff[i]['county'] != CITY and staff[i]['county'] == f['county']:
            return False
        return load[i] < cap(i)

    def choose(pool, f, team, load, cap, mac, with_tier):
        best, best_key = None, None
        for i in pool:
            if not eligible(i, f, team, load, cap):
                continue
            kk = ((tier[i],) if with_tier else ()) + (load[i], hmac_hex(mac, '%d|%s' % (load[i], staff[i]['openId'])), u16(staff[i]['openId']))
            if best is None or kk < best_key:
                best, best_key = i, kk
        return best

    teams, shortages = {}, []
    for f in order:
        n = no[f['uscc']]
        team = []
        leader = choose(L, f, team, load_l, lambda i: cap_l, k_leader, True)
        if leader is None:
            shortages.append({'no': n, 'role': 'leader', 'needed': 1, 'assigned': 0, 'blocking': True})
        else:
            team.append(leader)
            load_l[leader] += 1
        officers = []
        for _ in range(cc):
            o = choose(Oc, f, team, load_o, lambda i: cap_o, k_officer, True)
            if o is None:
                break
            officers.append(o)
            team.append(o)
            load_o[o] += 1
        if len(officers) < cc:
            shortages.append({'no': n, 'role': 'countyOfficer', 'needed': cc, 'assigned': len(officers), 'blocking': True})
        county_done = len(officers)
        for _ in range(k - cc):
            pool = Oc if MUTATE == 'extra-pool-county' else [i for i in O if staff[i]['county'] == CITY] if MUTATE == 'extra-pool-city' else O
            o = choose(pool, f, team, load_o, lambda i: cap_o, k_officer, True)
            if o is None:
                break
            officers.append(o)
            team.append(o)
            load_o[o] += 1
        if len(officers) - county_done < k - cc:
            shortages.append({'no': n, 'role': 'officer', 'needed': k - cc, 'assigned': len(officers) - county_done, 'blocking': True})
        expert, level = None, None
        if team_p['expertMode'] != 'none':
            ft, fc = firm_res[f['uscc']]
            unit = [i for i in X if exp_res[i][0] & ft]
            cls = [i for i in X if not (exp_res[i][0] & ft) and (exp_res[i][1] & fc)]
            expert = choose(unit, f, team, load_x, lambda i: cap_x[i], k_expert, MUTATE == 'expert-tier')
            level = 'unit' if expert is not None else None
            if expert is None:
                expert = choose(cls, f, team, load_x, lambda i: cap_x[i], k_expert, MUTATE == 'expert-tier')
                level = 'class' if expert is not None else None
            if expert is None:
                shortages.append({'no': n, 'role': 'expert', 'needed': 1, 'assigned': 0, 'blocking': team_p['expertMode'] == 'required'})
            else:
                team.append(expert)
                load_x[expert] += 1
        teams[n] = {'no': n, 'leader': refs[leader] if leader is not None else None, 'officers': [refs[o] for o in officers],
                    'expert': refs[expert] if expert is not None else None, 'expertLevel': level}
    role_order = {'leader': 0, 'countyOfficer': 1, 'officer': 2, 'expert': 3}
    shortages.sort(key=lambda s: (s['no'], role_order[s['role']]))
    result = {
        'algorithm': ALG, 'seed': seed, 'counts': counts,
        'selection': [{'no': no[r['uscc']], 'uscc': r['uscc']} for r in selected],
        'teams': [teams[i + 1] for i in range(T)],
        'shortages': shortages,
        'caps': {'leader': cap_l, 'officer': cap_o, 'expert': {refs[i]: cap_x[i] for i in X}},
    }
    extra = {'scores': scores, 'ranks': ranks, 'teamOrder': [{'no': no[r['uscc']], 'uscc': r['uscc'], 'score': hmac_hex(k_order, r['uscc'])} for r in order]}
    return result, extra


# ---- §8 the log ------------------------------------------------------------------------------------------------------

def entry_hash(e):
    return Hv({k: e[k] for k in ('format', 'campaign', 'seq', 'prev', 'at', 'kind', 'data')})


def parse_utc(s):
    return datetime.strptime(s, '%Y-%m-%dT%H:%M:%S.%fZ').replace(tzinfo=timezone.utc)


def parse_announced(s):
    m = re.fullmatch(r'(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})\+08:00', s or '')
    if not m:
        return None
    return datetime.strptime(m.group(1) + ' ' + m.group(2) + ':' + m.group(3), '%Y-%m-%d %H:%M').replace(tzinfo=timezone(timedelta(hours=8)))


# ---- §10 verification ----------------------------------------------------------------------------------------------

class Problems:
    def __init__(self):
        self.items = []

    def add(self, rule, message):
        self.items.append((rule, message))

    def check(self, cond, rule, message):
        if not cond:
            self.add(rule, message)


def check_chain(P, log, campaign_id):
    """chain.* (§10)."""
    if not isinstance(log, list) or not log:
        P.add('chain.format', 'the bundle has no log')
        return
    prev = ZERO
    for i, e in enumerate(log):
        n = i + 1
        if not isinstance(e, dict) or e.get('format') != LOG_FORMAT or not isinstance(e.get('data'), dict):
            P.add('chain.format', 'entry %d malformed' % n)
            prev = e.get('hash', '') if isinstance(e, dict) else ''
            continue
        P.check(e['campaign'] == campaign_id, 'chain.campaign', 'entry %d belongs to another campaign' % n)
        P.check(e['seq'] == n, 'chain.seq', 'entry %d has seq %s' % (n, e['seq']))
        P.check(e['prev'] == prev, 'chain.link', 'entry %d does not link to entry %d' % (n, n - 1))
        P.check(entry_hash(e) == e.get('hash'), 'chain.hash', 'entry %d has a wrong hash' % n)
        prev = e.get('hash', '')


def check_reasons(P, log):
    """attempt.reason: every commit and every platform entry of attempt >= 2 (a redraw) has a reason."""
    for i, e in enumerate(log):
        if not isinstance(e, dict) or not isinstance(e.get('data'), dict):
            continue
        if e.get('kind') in ('commit', 'platform') and isinstance(e['data'].get('attempt'), int) and e['data']['attempt'] >= 2:
            P.check(isinstance(e['data'].get('reason'), str) and e['data']['reason'].strip() != '', 'attempt.reason', 'entry %d: a redraw without a reason' % (i + 1))


KINDS = ('commit', 'void', 'reveal', 'platform')
VOID_REASONS = ('cancelled', 'replaced', 'registry-changed', 'redraw-race')
REF = re.compile('[0-9a-f]{16}')


def is_int(v, low):
    return isinstance(v, int) and not isinstance(v, bool) and v >= low


def check_entries(P, log):
    """chain.kind, attempt, log.by, reveal.supersedes (§10): each entry by its kind."""
    commits, revealed, confirmed = {}, set(), []
    for i, e in enumerate(log):
        n = i + 1
        if not isinstance(e, dict) or not isinstance(e.get('data'), dict):
            continue
        d, kind = e['data'], e.get('kind')
        if kind not in KINDS:
            P.add('chain.kind', 'entry %d has the unknown kind %r' % (n, kind))
            continue
        need = [('drawId', lambda v: isinstance(v, str) and v != ''), ('attempt', lambda v: is_int(v, 1))]
        if kind in ('commit', 'reveal', 'platform'):
            P.check(isinstance(d.get('by'), str) and REF.fullmatch(d['by']) is not None, 'log.by', 'entry %d: by is not a person ref' % n)
        text_or_null = lambda v: v is None or isinstance(v, str)
        ints = lambda v: isinstance(v, list) and all(is_int(x, 1) for x in v)
        if kind == 'commit':
            need += [('reason', text_or_null), ('commitment', lambda v: isinstance(v, dict)), ('parameters', lambda v: isinstance(v, dict)),
                     ('commitmentHash', is_hex64)]
        elif kind == 'void':
            need += [('reason', lambda v: v in VOID_REASONS), ('note', lambda v: isinstance(v, str))]
        elif kind == 'reveal':
            need += [('commitSeq', lambda v: is_int(v, 1)), ('commitmentHash', is_hex64), ('botValue', is_hex64),
                     ('entropy', lambda v: isinstance(v, str)), ('seed', is_hex64), ('resultHash', is_hex64), ('supersedes', ints)]
            if 'publicHash' in d or 'names' in d:
                need += [('publicHash', is_hex64), ('names', lambda v: v in ('names', 'pseudonyms'))]
        else:
            need += [('algorithm', lambda v: v == PLATFORM_ALG), ('source', lambda v: v == PLATFORM_SOURCE), ('reason', text_or_null),
                     ('file', lambda v: isinstance(v, dict) and isinstance(v.get('name'), str) and is_int(v.get('size'), 0) and is_hex64(v.get('sha256'))),
                     ('firms', lambda v: is_int(v, 0)), ('resultHash', is_hex64), ('selectionHash', is_hex64), ('teamsHash', is_hex64),
                     ('supersedes', ints)]
        bad = [f for f, ok in need if not ok(d.get(f))]
        if kind == 'commit' and not bad:
            if Hv(d['commitment']) != d['commitmentHash']:
                bad.append('commitmentHash')
            if d['commitment'].get('attempt') != d['attempt']:
                bad.append('commitment.attempt')
        if bad:
            P.add('chain.kind', 'entry %d (%s): missing or malformed %s' % (n, kind, ', '.join(bad)))
            continue
        draw_id, attempt = d['drawId'], d['attempt']
        if kind in ('commit', 'platform'):
            P.check(attempt == len(confirmed) + 1, 'attempt', 'entry %d: %d confirmed draws before it, attempt %s' % (n, len(confirmed), attempt))
            if kind == 'commit':
                commits[draw_id] = (e.get('seq'), attempt, d['commitmentHash'])
        if kind in ('void', 'reveal'):
            c = commits.get(draw_id)
            if c is None:
                P.add('chain.kind', 'entry %d (%s) has no earlier commit of its draw' % (n, kind))
            else:
                P.check(c[1] == attempt, 'attempt', 'entry %d (%s): attempt differs from its commit' % (n, kind))
                P.check(draw_id not in revealed, 'chain.kind', 'entry %d (%s): the draw was already revealed' % (n, kind))
                if kind == 'reveal':
                    P.check(d['commitSeq'] == c[0] and d['commitmentHash'] == c[2], 'chain.kind', 'entry %d: the reveal names another commit' % n)
        if kind in ('reveal', 'platform'):
            P.check(d['supersedes'] == confirmed, 'reveal.supersedes', 'entry %d: supersedes %s, the confirmed draws before it are %s' % (n, d['supersedes'], confirmed))
            confirmed.append(attempt)
            if kind == 'reveal':
                revealed.add(draw_id)


def check_people(P, b, log):
    """people.refs (§9.1): everyone the log names by a ref is in `people`, each under the ref of its open id."""
    people = b.get('people') if isinstance(b.get('people'), dict) else {}
    for r, x in people.items():
        P.check(isinstance(x, dict) and isinstance(x.get('openId'), str) and isinstance(x.get('name'), str) and ref(x['openId']) == r,
                'people.refs', 'people[%s] is not the ref of its open id' % r)
    named = {e['data']['by'] for e in log if isinstance(e, dict) and isinstance(e.get('data'), dict) and isinstance(e['data'].get('by'), str)}
    missing = sorted(r for r in named if r not in people)
    P.check(not missing, 'people.refs', 'the log names %s, not in people' % ', '.join(missing))


def pseudonym(r):
    return '检查人员' + r[:6].upper()


def public_listing(R, population, staff, names):
    """§9.2: the public bundle's firms and members, rebuilt from the population and the staff."""
    rows = {r['uscc']: r for r in population}
    firms = [{'county': rows[s['uscc']]['county'], 'licenceNo': rows[s['uscc']]['licenceNo'], 'name': rows[s['uscc']]['name'],
              'no': s['no'], 'uscc': s['uscc']} for s in R['selection']]
    by_ref = {ref(s['openId']): s for s in staff}
    members = {}
    for t in R['teams']:
        for r in [t['leader']] + t['officers'] + [t['expert']]:
            if r is not None:
                s = by_ref[r]
                members[r] = {'display': s['name'] if names == 'names' else pseudonym(r), 'level': CITY if s['county'] == CITY else '县区', 'unit': s['unit']}
    return {'firms': firms, 'members': members, 'names': names}


def verify_platform_bundle(b):
    """§14.5: a draw imported from the national platform. Only the bundle's own hashes and the log can be checked."""
    P = Problems()
    kind = b.get('kind')
    if kind not in ('internal', 'public'):
        P.add('bundle.format', 'kind must be internal or public')
        return P
    try:
        draw_id, campaign, log, R, hashes, f = b['drawId'], b['campaign'], b['log'], b['result'], b['hashes'], b['file']
        selection, teams = R['selection'], R['teams']
        P.check(b['source'] == PLATFORM_SOURCE and R['algorithm'] == PLATFORM_ALG, 'bundle.format', 'source or algorithm differs')
    except (KeyError, TypeError) as e:
        P.add('bundle.format', 'missing member %s' % e)
        return P
    check_chain(P, log, campaign['id'])
    check_entries(P, log)
    pi = next((i for i, e in enumerate(log) if isinstance(e, dict) and e.get('kind') == 'platform' and isinstance(e.get('data'), dict) and e['data'].get('drawId') == draw_id), None)
    P.check(pi is not None, 'draw.platform', 'no platform entry for the draw')
    e = log[pi]['data'] if pi is not None else None
    if e is not None:
        P.check(pi == len(log) - 1, 'draw.platform', 'the platform entry must end the log')
        before = sum(1 for x in log[:pi] if x.get('kind') in CONFIRMED)
        P.check(e.get('attempt') == before + 1, 'attempt', 'the log makes this attempt %d, the entry says %s' % (before + 1, e.get('attempt')))
        P.check(b.get('attempt') == e.get('attempt'), 'attempt', 'the bundle attempt differs from the log')
        P.check(e.get('source') == PLATFORM_SOURCE and e.get('algorithm') == PLATFORM_ALG, 'draw.platform', 'the entry names another source')
        P.check(e.get('reason') == b.get('reason'), 'draw.platform', 'the reason differs from the log')
    check_reasons(P, log)

    P.check(f.get('sha256') == hashes.get('file') == R.get('file'), 'file.hash', 'the file hash differs within the bundle')
    if e is not None:
        P.check(jcs(e.get('file')) == jcs({'name': f.get('name'), 'size': f.get('size'), 'sha256': f.get('sha256')}), 'file.hash', 'the file differs from the logged one')
    sh, th, rh = Hv(selection), Hv(teams), Hv(R)
    P.check(sh == hashes.get('selection') and (e is None or e.get('selectionHash') == sh), 'result.hash', 'the selection hash differs from the log')
    P.check(th == hashes.get('teams') and (e is None or e.get('teamsHash') == th), 'result.hash', 'the teams hash differs from the log')
    P.check(rh == hashes.get('result') and (e is None or e.get('resultHash') == rh), 'result.hash', 'the result hash differs from the log')
    if e is not None:
        P.check(e.get('firms') == len(selection), 'result.hash', 'the logged number of firms differs')

    codes = set()
    for i, s in enumerate(selection):
        P.check(s.get('no') == i + 1 and s.get('uscc') not in codes, 'teams.structure', 'selection %d: wrong number or a firm twice' % (i + 1))
        codes.add(s.get('uscc'))
    P.check(len(teams) == len(selection), 'teams.structure', 'one team per firm')
    for i, t in enumerate(teams):
        members = t.get('members') or []
        refs = [m.get('ref') for m in members]
        ok = t.get('no') == i + 1 and len(set(refs)) == len(refs) and members and members[0].get('role') == '组长' \
            and sum(1 for m in members if m.get('role') == '组长') == 1 and all(m.get('role') in ('组长', '执法人员', '专家') for m in members)
        P.check(ok, 'teams.structure', 'team %d: one 组长 first, nobody twice' % (i + 1))

    if kind == 'public':
        firms = [{'no': x['no'], 'uscc': x['uscc'], 'licenceNo': x['licenceNo'], 'taskNo': x.get('taskNo')} for x in b.get('firms', [])]
        P.check(jcs(firms) == jcs(selection), 'public.firms', 'the public firms differ from the selection')
        members = b.get('members') or {}
        P.check(all(m.get('ref') in members for t in teams for m in t.get('members') or []), 'public.firms', 'a member has no public name')
        if e is not None and 'publicHash' in e:
            listing = {'firms': b.get('firms'), 'members': members, 'names': b.get('names')}
            P.check(Hv(listing) == e['publicHash'] and b.get('names') == e.get('names'), 'public.hash', 'the public listing differs from the logged hash')
        return P
    check_people(P, b, log)
    d = b.get('details') or {}
    d_sel = [{'no': x['no'], 'uscc': x['uscc'], 'licenceNo': x['licenceNo'], 'taskNo': x.get('taskNo')} for x in d.get('selection', [])]
    d_teams = [{'no': t['no'], 'members': [{'ref': ref(m['openId']), 'role': m['role']} for m in t.get('members', [])]} for t in d.get('teams', [])]
    P.check(jcs(d_sel) == jcs(selection) and jcs(d_teams) == jcs(teams), 'details.render', 'the readable details differ from the result')
    if e is not None and 'publicHash' in e:
        names = e.get('names')
        firms = [{'county': x['county'], 'licenceNo': x['licenceNo'], 'name': x['name'], 'no': x['no'], 'taskNo': x.get('taskNo'), 'uscc': x['uscc']}
                 for x in d.get('selection', [])]
        members = {}
        for t in d.get('teams', []):
            for m in t.get('members', []):
                r = ref(m['openId'])
                if r not in members:
                    members[r] = {'display': m['name'] if names == 'names' else pseudonym(r), 'level': CITY if m['county'] == CITY else '县区', 'unit': m['unit']}
        P.check(Hv({'firms': firms, 'members': members, 'names': names}) == e['publicHash'], 'public.hash', 'the listing rebuilt from the details differs from the logged hash')
    return P


def verify_bundle(b):
    if isinstance(b, dict) and b.get('format') == BUNDLE_FORMAT and b.get('algorithm') == PLATFORM_ALG:
        return verify_platform_bundle(b)
    P = Problems()
    if not isinstance(b, dict) or b.get('format') != BUNDLE_FORMAT or b.get('algorithm') != ALG or b.get('kind') not in ('internal', 'public'):
        P.add('bundle.format', 'not a spotcheck-draw/2 bundle')
        return P
    kind = b['kind']
    try:
        C, R, log, p, hashes = b['commitment'], b['result'], b['log'], b['parameters'], b['hashes']
        draw_id, campaign, reveal_b = b['drawId'], b['campaign'], b['reveal']
    except KeyError as e:
        P.add('bundle.format', 'missing member %s' % e)
        return P

    blinded = isinstance(C, dict) and 'blindHash' in C  # §3.1; without it a bundle made before the blind (§12.1)
    check_chain(P, log, campaign['id'])
    check_entries(P, log)
    ci = next((i for i, e in enumerate(log) if e.get('kind') == 'commit' and e['data'].get('drawId') == draw_id), None)
    ri = next((i for i, e in enumerate(log) if e.get('kind') == 'reveal' and e['data'].get('drawId') == draw_id), None)
    P.check(ci is not None, 'draw.commit', 'no commit entry for the draw')
    P.check(ri is not None, 'draw.reveal', 'no reveal entry for the draw')
    commit = log[ci]['data'] if ci is not None else None
    reveal = log[ri]['data'] if ri is not None else None
    if ci is not None and ri is not None:
        P.check(ri > ci and ri == len(log) - 1, 'draw.reveal', 'the reveal must follow the commit and end the log')
        P.check(not any(e['kind'] == 'void' and e['data'].get('drawId') == draw_id for e in log[ci + 1:ri]), 'draw.reveal', 'voided before the reveal')
        P.check(reveal['commitSeq'] == log[ci]['seq'], 'draw.reveal', 'commitSeq does not point to the commit')
    if commit is not None:
        P.check(b['attempt'] == commit['attempt'] and C.get('attempt') == commit['attempt'], 'attempt', 'the bundle or commitment attempt differs from the log')
        if reveal is not None:
            P.check(reveal['attempt'] == commit['attempt'], 'attempt', 'reveal attempt differs')
    check_reasons(P, log)

    # commitment, parameters, source
    pp = parameters_problem(p)
    P.check(pp is None, 'parameters.valid', 'parameters: %s' % pp)
    c_hash = Hv(C)
    P.check(c_hash == hashes.get('commitment'), 'commitment.hash', 'commitment hash differs')
    P.check(C.get('algorithm') == ALG and C.get('campaign') == campaign, 'commitment.hash', 'commitment algorithm or campaign differs')
    if commit is not None:
        P.check(jcs(commit['commitment']) == jcs(C) and commit['commitmentHash'] == c_hash, 'commitment.log', 'the logged commitment differs')
        P.check(jcs(commit['parameters']) == jcs(p), 'parameters.hash', 'the logged parameters differ')
    if reveal is not None:
        P.check(reveal['commitmentHash'] == c_hash, 'commitment.log', 'the reveal names another commitment')
    P.check(Hv(p) == C.get('parametersHash') == hashes.get('parameters'), 'parameters.hash', 'parameters hash differs from the commitment')
    src = C.get('source')
    P.check(jcs(b.get('source')) == jcs(src), 'source.time', 'the bundle source differs from the commitment')
    if src is not None:
        at = parse_announced(src.get('announcedAt'))
        P.check(at is not None, 'source.time', 'announcedAt malformed')
        if at is not None and ci is not None and ri is not None:
            P.check(parse_utc(log[ci]['at']) < at, 'source.time', 'the commitment is not before the source time')
            P.check(parse_utc(log[ri]['at']) >= at, 'source.time', 'the reveal is before the source time')
        vals = reveal_b['entropy'].split('/')
        ok = len(vals) == len(src['parts']) and all(v != '' and trim(v) == v and (part['pattern'] is None or re.fullmatch(part['pattern'], v)) for v, part in zip(vals, src['parts']))
        P.check(ok, 'source.time', 'the entropy is not the source values joined by "/"')

    # reveal and seed
    try:
        bv = hashlib.sha256(bytes.fromhex(reveal_b['botValue'])).hexdigest() if len(reveal_b['botValue']) == 64 else ''
    except ValueError:
        bv = ''
    P.check(bv != '' and bv == C.get('botValueHash') == hashes.get('botValue'), 'seed.derive', 'the bot value does not match its committed hash')
    seed = derive_seed(c_hash, reveal_b['botValue'], reveal_b['entropy'])
    P.check(seed == b['seed'], 'seed.derive', 'the seed does not follow from commitment, bot value and entropy')
    if reveal is not None:
        P.check(reveal['botValue'] == reveal_b['botValue'] and reveal['entropy'] == reveal_b['entropy'] and reveal['seed'] == seed, 'seed.derive', 'the logged reveal differs')
    r_hash = Hv(R)
    P.check(R.get('seed') == b['seed'], 'result.hash', 'the result seed differs')
    P.check(r_hash == hashes.get('result'), 'result.hash', 'the result hash differs (the result was changed)')
    if reveal is not None:
        P.check(reveal['resultHash'] == r_hash, 'result.hash', 'the result is not the one the reveal logged')

    # the public listing's hash (§9.2)
    if blinded:
        P.check(is_hex64(C.get('blindHash')), 'blind.hash', 'blindHash malformed')
        if reveal is not None:
            P.check(is_hex64(reveal.get('publicHash')) and reveal.get('names') in ('names', 'pseudonyms'), 'public.hash', 'the reveal logs no public listing hash')
            P.check(hashes.get('public') == reveal.get('publicHash'), 'public.hash', 'hashes.public differs from the logged one')
    elif reveal is not None:
        P.check('publicHash' not in reveal, 'public.hash', 'a public listing hash without a blind')

    # counts
    strata = R['counts']['strata']
    if pp is None and len(strata) == 8:
        want = counts_from_sizes([s['size'] for s in strata], p)
        P.check(jcs(want) == jcs(R['counts']), 'counts.recompute', 'the counts do not follow from the sizes and ratios')
        P.check(len(R['selection']) == sum(s['count'] for s in want['strata']), 'counts.recompute', 'selection size differs from the counts')
    P.check(C.get('populationSize') == R['counts']['population'], 'counts.recompute', 'population size differs')

    # team structure
    if kind == 'public':
        level = {r: m['level'] for r, m in b['members'].items()}
    else:
        level = {ref(s['openId']): (CITY if s['county'] == CITY else '县区') for s in b['staff']}
    if pp is None:
        blocking = {}
        for s in R['shortages']:
            if s['blocking']:
                blocking.setdefault(s['no'], set()).add(s['role'])
        loads = [{}, {}, {}]
        for i, t in enumerate(R['teams']):
            short = blocking.get(t['no'], set())
            P.check(t['no'] == i + 1, 'teams.structure', 'team %d numbered %s' % (i + 1, t['no']))
            people = [x for x in [t['leader']] + t['officers'] + [t['expert']] if x is not None]
            P.check(len(set(people)) == len(people), 'teams.structure', 'team %d: someone twice' % t['no'])
            if t['leader'] is None:
                P.check('leader' in short, 'teams.structure', 'team %d: no leader and no shortage' % t['no'])
            else:
                P.check(level.get(t['leader']) == CITY, 'teams.structure', 'team %d: the leader is not city staff' % t['no'])
                loads[0][t['leader']] = loads[0].get(t['leader'], 0) + 1
            county = sum(1 for o in t['officers'] if level.get(o) == '县区')
            P.check(county >= p['team']['countyOfficers'] or 'countyOfficer' in short, 'teams.structure', 'team %d: no county officer' % t['no'])
            P.check(len(t['officers']) == p['team']['officers'] or short & {'countyOfficer', 'officer'}, 'teams.structure', 'team %d: wrong number of officers' % t['no'])
            for o in t['officers']:
                loads[1][o] = loads[1].get(o, 0) + 1
            if t['expert'] is not None:
                loads[2][t['expert']] = loads[2].get(t['expert'], 0) + 1
        caps = R['caps']
        P.check(all(n <= caps['leader'] for n in loads[0].values()), 'teams.structure', 'a leader over the cap')
        P.check(all(n <= caps['officer'] for n in loads[1].values()), 'teams.structure', 'an officer over the cap')
        P.check(all(n <= caps['expert'].get(r, -1) for r, n in loads[2].items()), 'teams.structure', 'an expert over the cap')

    if kind == 'public':
        P.check([{'no': f['no'], 'uscc': f['uscc']} for f in b['firms']] == R['selection'], 'public.firms', 'the firms list differs from the selection')
        refs = {x for t in R['teams'] for x in [t['leader']] + t['officers'] + [t['expert']] if x is not None}
        P.check(set(b['members'].keys()) == refs, 'public.firms', 'the members listed are not the team members')
        if blinded and reveal is not None:
            listing = {'firms': b['firms'], 'members': b['members'], 'names': b.get('names')}
            P.check(Hv(listing) == reveal.get('publicHash'), 'public.hash', 'the public listing (names, licences, counties, members) differs from the logged hash')
            P.check(b.get('names') == reveal.get('names'), 'public.hash', 'names or pseudonyms differs from the log')
        return P

    # internal: inputs and the whole recomputation
    blind = b.get('blind') if blinded else None
    if blinded:
        P.check(is_hex64(blind) and hashlib.sha256(bytes.fromhex(blind)).hexdigest() == C.get('blindHash'), 'blind.hash', 'the blind does not match its committed hash')
        if not is_hex64(blind):
            return P
    check_people(P, b, log)
    cat = b['catalogue']
    P.check(catalogue_hash(cat) == p['catalogue']['hash'] == hashes.get('catalogue'), 'catalogue.hash', 'catalogue hash differs')
    pop = b['population']
    start = p['campaignStart']
    for i, r in enumerate(pop):
        ok = valid_uscc(r['uscc']) and r['category'] in CATEGORIES and r['riskClass'] in CLASSES and valid_date(r['validTo']) and r['validTo'] >= start and r['county'] != ''
        P.check(ok, 'population.rows', 'row %d invalid or expired' % (i + 1))
        if i > 0:
            P.check(u16(pop[i - 1]['uscc']) < u16(r['uscc']), 'population.rows', 'row %d out of order' % (i + 1))
    P.check(Hk(blind, pop) == C.get('populationHash') == hashes.get('population') and len(pop) == C.get('populationSize'), 'population.hash', 'population hash differs')
    P.check(Hk(blind, b['staff']) == C.get('staffHash') == hashes.get('staff'), 'staff.hash', 'staff hash differs')
    P.check(Hk(blind, b['exclusions']) == C.get('exclusionsHash') == hashes.get('exclusions'), 'exclusions.hash', 'exclusions hash differs')
    kept = {r['uscc']: r for r in pop}
    for x in b['exclusions']:
        reason = x['reason']
        ok = {
            'expired': lambda: x['validTo'] < start,
            'duplicate': lambda: x['uscc'] in kept and (kept[x['uscc']]['validTo'] > x['validTo'] or (kept[x['uscc']]['validTo'] == x['validTo'] and u16(kept[x['uscc']]['licenceNo']) <= u16(x['licenceNo']))),
            'invalid-code': lambda: not valid_uscc(x['uscc']),
            'invalid-category': lambda: x['category'] not in CATEGORIES,
            'invalid-class': lambda: x['riskClass'] not in CLASSES,
            'invalid-date': lambda: not valid_date(x['validTo']),
        }.get(reason, lambda: False)()
        P.check(ok, 'exclusions.rows', 'exclusion of %s (%s) does not hold' % (x['uscc'], reason))
    if pp is not None or any(r == 'population.rows' for r, _ in P.items):
        return P
    want, _ = compute(pop, b['staff'], p, b['seed'], Catalogue(cat), blind)
    P.check(jcs(want['counts']) == jcs(R['counts']), 'counts.recompute', 'counts differ from the population')
    if jcs(want['selection']) != jcs(R['selection']):
        for i in range(max(len(want['selection']), len(R['selection']))):
            w = want['selection'][i] if i < len(want['selection']) else None
            g = R['selection'][i] if i < len(R['selection']) else None
            if w != g:
                P.add('selection.recompute', 'selection no %d differs' % (i + 1))
    for i in range(max(len(want['teams']), len(R['teams']))):
        w = want['teams'][i] if i < len(want['teams']) else None
        g = R['teams'][i] if i < len(R['teams']) else None
        if jcs(w) != jcs(g):
            what = [n for n, a in (('leader', 'leader'), ('officers', 'officers'), ('expert', 'expert')) if (w or {}).get(a) != (g or {}).get(a)]
            P.add('teams.recompute', 'team %d differs (%s)' % (i + 1, ', '.join(what) or 'team'))
    P.check(jcs(want['shortages']) == jcs(R['shortages']), 'shortages.recompute', 'shortages differ')
    P.check(jcs(want['caps']) == jcs(R['caps']), 'caps.recompute', 'caps differ')
    if blinded and reveal is not None and reveal.get('names') in ('names', 'pseudonyms'):
        try:
            rebuilt = Hv(public_listing(R, pop, b['staff'], reveal['names']))
        except KeyError:
            rebuilt = ''
        P.check(rebuilt == reveal.get('publicHash'), 'public.hash', 'the public listing rebuilt from the registries differs from the logged hash')
    return P


def verify_vector(v):
    """Recomputes every intermediate value of a test vector from its registry rows, then verifies its bundles."""
    P = Problems()
    inp, mid = v['inputs'], v['intermediate']
    p = mid['parameters']
    cat = v['bundles']['internal']['catalogue']
    P.check(catalogue_hash(cat) == p['catalogue']['hash'], 'vector.catalogue', 'catalogue hash')
    pop, exc = split_registry(inp['enterprises'], p['campaignStart'])
    staff = staff_rows(inp['staff'])
    P.check(pop == mid['population'], 'vector.population', 'population rows')
    P.check(exc == mid['exclusions'], 'vector.exclusions', 'exclusion rows')
    P.check(staff == mid['staff'], 'vector.staff', 'staff rows')
    P.check({s['openId']: ref(s['openId']) for s in staff} == mid['refs'], 'vector.refs', 'person refs')
    hashes = mid['hashes']
    blind = inp['blind']
    P.check(Hk(blind, pop) == hashes['population'], 'vector.hash', 'population hash')
    P.check(Hk(blind, staff) == hashes['staff'], 'vector.hash', 'staff hash')
    P.check(Hk(blind, exc) == hashes['exclusions'], 'vector.hash', 'exclusions hash')
    P.check(Hv(p) == hashes['parameters'], 'vector.hash', 'parameters hash')
    log_before = mid.get('logBefore') or []
    attempt = sum(1 for e in log_before if e['kind'] in CONFIRMED) + 1
    commitment = {
        'algorithm': ALG, 'campaign': inp['campaign'], 'attempt': attempt, 'populationHash': Hk(blind, pop), 'populationSize': len(pop),
        'staffHash': Hk(blind, staff), 'exclusionsHash': Hk(blind, exc), 'parametersHash': Hv(p),
        'botValueHash': hashlib.sha256(bytes.fromhex(inp['botValue'])).hexdigest(), 'source': inp.get('source'),
    }
    if blind is not None:
        commitment['blindHash'] = hashlib.sha256(bytes.fromhex(blind)).hexdigest()
    P.check(jcs(commitment) == jcs(mid['commitment']), 'vector.commitment', 'commitment')
    c_hash = Hv(commitment)
    P.check(c_hash == mid['commitmentHash'] == hashes['commitment'], 'vector.commitment', 'commitment hash')
    seed = derive_seed(c_hash, inp['botValue'], inp['entropy'])
    P.check(seed == mid['seed'], 'vector.seed', 'seed')
    for label, value in mid['keys'].items():
        P.check(key(seed, label, blind).hex() == value, 'vector.keys', 'K(%s)' % label)
    result, extra = compute(pop, staff, p, seed, Catalogue(cat), blind)
    for group in mid['selectionScores']:
        for f in group['firms']:
            P.check(extra['scores'][f['uscc']] == f['score'] and extra['ranks'].get(f['uscc']) == f['rank'], 'vector.scores', 'score or rank of %s' % f['uscc'])
    P.check(extra['teamOrder'] == mid['teamOrder'], 'vector.teamOrder', 'team order')
    P.check(jcs(result['counts']) == jcs(mid['counts']), 'vector.counts', 'counts')
    P.check(jcs(result['caps']) == jcs(mid['caps']), 'vector.caps', 'caps')
    P.check(jcs(result) == jcs(mid['result']), 'vector.result', 'result')
    P.check(Hv(result) == hashes['result'], 'vector.result', 'result hash')
    for kind in ('internal', 'public'):
        for rule, msg in verify_bundle(v['bundles'][kind]).items:
            P.add(rule, '%s bundle: %s' % (kind, msg))
    return P


def main(files):
    failed = 0
    for f in files:
        with open(f, encoding='utf-8') as fh:
            data = json.load(fh)
        if isinstance(data, dict) and 'intermediate' in data and 'bundles' in data:
            what, P = 'vector', verify_vector(data)
        else:
            what, P = 'bundle (%s)' % (data.get('kind') if isinstance(data, dict) else '?'), verify_bundle(data)
        if P.items:
            failed += 1
            print('FAIL %s %s' % (what, f))
            for rule, msg in P.items[:30]:
                print('  rule %s: %s' % (rule, msg))
        else:
            print('OK   %s %s' % (what, f))
    return 1 if failed else 0


if __name__ == '__main__':
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
