#!/usr/bin/env python3
"""Build the HCMC seed catalogue (format `motcua-catalog/1`) from the shared research CSVs.

Reads (read-only), from the shared folder (default: ../shared relative to the repo root):
  data/hcmc-units-2024.csv, data/hcmc-units-2025.csv, data/procedures-sample.csv

Writes, under <repo>/data/catalog/:
  hcmc-units-2024.toml   structure `hcmc-2024` (2021-01-01 .. 2025-06-30)
  hcmc-units-2025.toml   structure `hcmc-2025` (from 2025-07-01)
  hcmc-procedures.toml   every procedure row that has a time limit, with workflow steps

Every file is parsed back with tomllib and checked (codes, parents, sources, note lengths,
step budgets against the legal limit) before the run reports success. Python 3.11+, stdlib only.
Output is deterministic: running it twice gives byte-identical files.

Usage:  python3 tools/catalog/build_catalog.py [--shared DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import sys
import tomllib
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SHARED = REPO.parent / "shared"
DEFAULT_OUT = REPO / "data" / "catalog"

FORMAT = "motcua-catalog/1"
CODE_RE = re.compile(r"[A-Za-z0-9.-]{1,40}")
STRUCT_RE = re.compile(r"[a-z0-9-]{1,40}")
UNIT_NOTE_MAX = 199  # "under 200 chars"
PROC_NOTE_MAX = 299  # "under 300 chars"

# ---------------------------------------------------------------------------------------------
# TOML writing helpers


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def toml_str(s: str) -> str:
    """A TOML basic string: escapes backslash, quote and every control character."""
    out = ['"']
    for ch in nfc(s):
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\u{o:04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_val(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        r = repr(v)
        return r if ("." in r or "e" in r) else r + ".0"
    if isinstance(v, str):
        return toml_str(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_val(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_val(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v)} to TOML")


def table(header: str, d: dict) -> str:
    lines = [f"[[{header}]]"]
    for k, v in d.items():
        if v is None:
            continue
        lines.append(f"{k} = {toml_val(v)}")
    return "\n".join(lines) + "\n"


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        for k, v in r.items():
            if v is not None and nfc(v) != v:
                print(f"warning: {path.name}: non-NFC text normalised in {k!r}", file=sys.stderr)
                r[k] = nfc(v)
    return rows


def pack(parts: list[str], limit: int, sep: str = "; ") -> str:
    """Join parts in order, skipping any part that would push the text over `limit`."""
    out = ""
    for p in parts:
        p = p.strip()
        if not p:
            continue
        cand = p if not out else out + sep + p
        if len(cand) <= limit:
            out = cand
    return out


# ---------------------------------------------------------------------------------------------
# Units

UNIT_KIND = {
    "city": ("city", None),
    "urban_district": ("district", "urban_district"),
    "rural_district": ("district", "rural_district"),
    "municipal_city": ("district", "municipal_city"),
    "ward": ("commune", "ward"),
    "commune": ("commune", "commune"),
    "township": ("commune", "township"),
    "special_zone": ("commune", "special_zone"),
    "land_office": ("land_office", None),
    "land_branch": ("land_branch", None),
    "department": ("department", None),
}

HEAD_BY_KIND = {
    "city": "Chủ tịch UBND Thành phố",
    "urban_district": "Chủ tịch UBND quận",
    "rural_district": "Chủ tịch UBND huyện",
    "municipal_city": "Chủ tịch UBND Thành phố Thủ Đức",
    "ward": "Chủ tịch UBND phường",
    "commune": "Chủ tịch UBND xã",
    "township": "Chủ tịch UBND thị trấn",
    "special_zone": "Chủ tịch UBND đặc khu",
    "land_office": "Giám đốc Văn phòng Đăng ký đất đai",
}


def unit_head(row: dict) -> str:
    kind, name = row["kind"], row["name_vi"]
    if kind in HEAD_BY_KIND:
        return HEAD_BY_KIND[kind]
    if kind == "land_branch":
        return "Giám đốc " + name
    if kind == "department":
        if name.startswith("Sở "):
            return "Giám đốc " + name
        if name.startswith("Văn phòng Ủy ban nhân dân"):
            return "Chánh Văn phòng UBND Thành phố"
        if name.startswith("Thanh tra"):
            return "Chánh Thanh tra Thành phố"
        if name.startswith("Ban "):
            return "Trưởng " + name
    raise ValueError(f"no head title rule for {row['code']} {name} ({kind})")


# Shortening of the CSV note fragments; (pattern, replacement, priority). Lower priority = kept first.
NOTE_RULES: list[tuple[re.Pattern, str, int]] = [
    (re.compile(r"^code is a made-up slug \(no official code found\)$"), "made-up slug (no official code)", 0),
    (re.compile(r"^abolished 2025-01-01: merged into a neighbouring ward under NQ 1278/NQ-UBTVQH15.*$"),
     "abolished 2025-01-01, merged into a neighbouring ward (NQ 1278/NQ-UBTVQH15; absorbing ward not recorded)", 0),
    (re.compile(r"^(from 2025-01-01 named .*)$"), r"\1", 0),
    (re.compile(r"^name follows the per-district pattern, individual name not seen in a source$"),
     "name built from the per-district pattern (not seen in a source)", 0),
    (re.compile(r"^one of the 21 agencies before 2025-03-01 \(list reconstructed.*\)$"),
     "one of 21 agencies before 2025-03-01 (list reconstructed)", 1),
    (re.compile(r"^one of the 15 agencies set up by the City People's Council on 2025-07-01.*$"),
     "one of 15 agencies set up 2025-07-01", 1),
    (re.compile(r"^communes served: set in the decision of 2025-10-01, list not found.*$"),
     "set up 2025-10-01; communes served not found", 0),
    (re.compile(r"^(NQ 1685 Đ1 k\.\d+): (.*)$"), r"\1 ||\2", 1),
    (re.compile(r"^GSO code \d+ previously belonged to (.*)$"), r"code earlier held by \1", 1),
    (re.compile(r"^former district\(s\), community mapping: (.*)$"), r"from \1 (community mapping)", 3),
    (re.compile(r"^former district: (.*), per the clause$"), r"from \1", 3),
    (re.compile(r"^2025-07-01 successor\(s\), community mapping: (.*)$"),
     r"2025-07-01 successor (community mapping): \1", 3),
    (re.compile(r"^GSO 2024 list spells it (.*)$"), r"GSO spelling \1", 2),
    (re.compile(r"^district level abolished 2025-07-01$"), "district level abolished 2025-07-01", 1),
]


def unit_note(row: dict, extra_first: list[str] | None = None) -> str:
    raw = row["notes"].strip()
    # Successor lists and former-district lists use "; " internally; keep them with their label.
    raw = re.sub(r"(community mapping: [^;]*(?:; (?:\d{5} [^;]*|[^;:]*\((?:Tỉnh [^)]*|TP\.HCM)\)))*)",
                 lambda m: m.group(1).replace("; ", " | "), raw)
    frags = [f.strip() for f in raw.split("; ") if f.strip()]
    scored: list[tuple[int, int, str]] = []
    for i, f in enumerate(frags):
        f = f.replace(" | ", ", ")
        prio, text = 2, f
        for pat, rep, p in NOTE_RULES:
            if pat.match(f):
                text, prio = pat.sub(rep, f), p
                break
        if " ||" in text:  # Resolution 1685 clause: id first, clause text last (if room)
            cid, body = text.split(" ||", 1)
            scored.append((1, i, cid))
            scored.append((4, i, "clause: " + body))
            continue
        scored.append((prio, i, text))
    parts = [t for _, _, t in sorted(scored)]
    if extra_first:
        parts = extra_first + parts
    note = pack(parts, UNIT_NOTE_MAX)
    if not note:
        raise ValueError(f"empty note for {row['code']}")
    return note


def build_units(rows: list[dict], structure: str) -> list[dict]:
    units = []
    codes = {r["code"] for r in rows}
    for r in rows:
        if r["kind"] not in UNIT_KIND:
            raise ValueError(f"{structure}: unknown kind {r['kind']!r} for {r['code']}")
        kind, local_kind = UNIT_KIND[r["kind"]]
        parent = r["parent_code"].strip() or None
        if kind == "city":
            assert parent is None, r
        else:
            assert parent in codes, f"{structure}: {r['code']} parent {parent!r} missing"
        if kind == "land_branch":
            assert next(x for x in rows if x["code"] == parent)["kind"] == "land_office", r["code"]
        source = " ".join(r["source_url"].split())
        assert source.startswith("http"), f"{structure}: {r['code']} has no source"
        units.append({
            "structure": structure,
            "code": r["code"],
            "name": nfc(r["name_vi"].strip()),
            "kind": kind,
            "local_kind": local_kind,
            "parent": parent,
            "head": unit_head(r),
            "source": source,
            "note": unit_note(r),
        })
    return units


# The HCMC Public Administration Service Centre. Neither units CSV lists it. The only source in the
# shared folder that names the city's centre is wave2-domain.md §7.1 [S7f]: HCMC Plan 60/KH-UBND
# (13/2/2026) aims at service "through the city and commune Public Administrative Service Centres".
# vn-admin-rules.md only defines the generic provincial centre (Decree 61/2018 Art. 3(3)).
SERVICE_CENTRE_2025 = {
    "code": "79-ttphvhcc",
    "name": "Trung tâm Phục vụ hành chính công Thành phố Hồ Chí Minh",
    "kind": "service_centre",
    "parent": "79",
    "head": "Giám đốc Trung tâm Phục vụ hành chính công",
    "source": "https://www.vietnamplus.vn/thanh-pho-ho-chi-minh-phan-dau-giam-50-thoi-gian-giai-quyet-thu-tuc-hanh-chinh-post1095137.vnp",
    "note": ("made-up slug; existence from an article on Plan 60/KH-UBND (2026) naming city and commune "
             "service centres; exact name and founding date unconfirmed"),
}


# ---------------------------------------------------------------------------------------------
# Procedures

STATUS = {
    "[CONFIRMED]": "confirmed",
    "[CONFIRMED-PRE2026]": "confirmed",
    "[PORTAL]": "portal",
    "[UNCONFIRMED]": "unconfirmed",
}

DEFAULT_FROM = "2025-07-01"
URL_RE = re.compile(r"https?://\S+")

# Rows whose 2026 limits (Decree 217/2026, in force 2026-07-01 per the notes) differ from the old
# ones the notes state explicitly. key: CSV name_en -> (old calendar days, status of the old value).
# Old limits are "days" (Art. 102 Law on Construction wording, vn-admin-rules.md S31/S32).
CONSTRUCTION_FROM = "2026-07-01"
CONSTRUCTION_OLD = {
    "New building permit - individual house": (15, "unconfirmed"),  # step text 15; channel table 15/20
    "New building permit - grade III/IV works": (20, "portal"),
    "New building permit - special/grade I/II works": (20, "portal"),
    "Amendment of a building permit": (20, "portal"),
}
# Other rows whose legal basis only applies from a date the notes give.
EFFECTIVE_FROM_OVERRIDE = {
    "Conversion of a private preschool to not-for-profit": "2026-03-15",  # Decree 66/2026 in force 15/3/2026
}
# A national code that two CSV rows share (1.013225 covers houses and grade III/IV works).
CODE_OVERRIDE = {
    "New building permit - grade III/IV works": "1.013225-grade-iii-iv",
}
# Local codes where the mechanical slug would be too long or collide; stable by construction.
SLUG_OVERRIDE = {
    "First-instance complaint resolution (commune)": "complaint-first-instance-commune",
    "First-instance complaint resolution (province)": "complaint-first-instance-province",
    "Second-instance complaint resolution (province)": "complaint-second-instance-province",
    "Tour guide card (international/domestic)": "tour-guide-card",
    "Star rating of a tourist accommodation (1-3 stars)": "tourist-accommodation-star-rating",
    "Copy of diploma/certificate from the master register": "diploma-copy-from-master-register",
    "Conversion of a private preschool to not-for-profit": "private-preschool-to-not-for-profit",
    "Recognition of foreign secondary diplomas": "foreign-diploma-recognition",
    "Registration of internal labour rules": "internal-labour-rules-registration",
    "Exchange of an expired tour guide card": "tour-guide-card-exchange",
    "Re-issue of a tour guide card": "tour-guide-card-reissue",
    "Funeral cost support for social-protection beneficiaries": "social-protection-funeral-support",
}

LAND_FIELD = "Đất đai"


def slugify(s: str) -> str:
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def local_code(name_en: str) -> str:
    slug = SLUG_OVERRIDE.get(name_en) or slugify(name_en)
    if len(slug) > 36:  # HCM- + slug must fit in 40; cut at a word boundary
        slug = slug[:37].rsplit("-", 1)[0]
    return "HCM-" + slug


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.])\s+(?=[A-Z(\[])", text) if s.strip()]


BOILERPLATE = [
    re.compile(r"^Code and 2026 catalogue entry:"),
    re.compile(r"^Portal page:"),
    re.compile(r"^Reform: from 1/7/2026 Decree 217/2026"),
    re.compile(r"^Dossier filed online on the national portal"),
    re.compile(r"^National code taken from third-party crawler code"),
]
SHORTEN = [
    (re.compile(r"Fee set by HCMC People's Council \(amount not found\); exempt for families of people "
                r"with merit, poor households, persons with disabilities \(Law on Civil Status Art 11\)\."),
     "Fee set by HCMC People's Council (amount not found)."),
    (re.compile(r"Registration fee/charges set by HCMC People's Council; land-use levy, registration tax "
                r"may apply \(amounts not found\)\."), "Fees and charges set by HCMC People's Council (amounts not found)."),
    (re.compile(r"\s*\(portal record copy[^)]*\)"), ""),
    (re.compile(r"Legal article \(Decree 101/2024/NĐ-CP as amended by Decree 151/2025 and 226/2025\) not read; "
                r"value taken from the portal record\."), "Decree 101/2024 article not read."),
    (re.compile(r"Law 136/2025/QH15 \(in force 1/7/2026\) amended the Laws on Citizen Reception, Complaints and "
                r"Denunciations; its text was not read, so whether these resolution limits changed is unconfirmed\."),
     "Law 136/2025 (from 2026-07-01) not read: limits may have changed."),
    (re.compile(r"Law on Tourism 2017 text read; later amendments and the post-2025 HCMC agency \(Department of "
                r"Tourism\) not checked\."), "Later amendments not checked."),
]


def note_sentences(raw: str) -> tuple[str, list[str]]:
    tag = raw.split("]", 1)[0] + "]"
    body = raw[len(tag):].strip()
    for pat, rep in SHORTEN:
        body = pat.sub(rep, body)
    out = []
    for s in sentences(body):
        if any(p.match(s) for p in BOILERPLATE):
            continue
        s = URL_RE.sub("", s).replace("()", "").strip()
        s = re.sub(r"\s+", " ", s).replace(" .", ".").replace("..", ".")
        if s:
            out.append(s)
    return tag, out


FEE_WORDS = re.compile(r"\b(fee|fees|exempt|free|Free|Fee|Fees|Exempt|charges|Charges)\b")


def fee_note_from(sents: list[str]) -> str | None:
    picked = [s for s in sents if FEE_WORDS.search(s)]
    note = pack(picked, 240, " ")
    return note or None


def proc_note(sents: list[str], extra: list[str] | None = None) -> str:
    # Fee sentences go to fee_note; keep the rest (status reason first, as in the CSV).
    rest = [s for s in sents if not FEE_WORDS.search(s) or s is sents[0]]
    parts = (extra or []) + rest
    note = pack(parts, PROC_NOTE_MAX, " ")
    if not note:  # first sentence alone is too long: cut it at a clause boundary
        first = sents[0][: PROC_NOTE_MAX - 1]
        note = first.rsplit("; ", 1)[0] + " …"
    return note


def limit_hours(tl: dict) -> float:
    if tl["kind"] == "same_day":
        return 8.0
    if tl["kind"] == "working_days":
        return 8.0 * tl["value"]
    if tl["kind"] == "calendar_days":
        return tl["value"] * 8 * 5 / 7
    raise ValueError(tl)


def floor_half(x: float) -> float:
    return math.floor(x * 2 + 1e-9) / 2


PROCESS_NAME = {
    "Hộ tịch": "Kiểm tra, xác minh hồ sơ, ghi sổ hộ tịch",
    "Chứng thực": "Kiểm tra giấy tờ, thực hiện chứng thực",
    "Cư trú": "Kiểm tra hồ sơ, cập nhật Cơ sở dữ liệu về cư trú",
    "Lý lịch tư pháp": "Tra cứu, xác minh thông tin lý lịch tư pháp",
    "Đăng ký doanh nghiệp": "Xem xét tính hợp lệ của hồ sơ đăng ký",
    "Hộ kinh doanh": "Xem xét tính hợp lệ của hồ sơ đăng ký",
    "Xây dựng": "Thẩm định hồ sơ, kiểm tra thực địa",
    LAND_FIELD: "Thẩm định hồ sơ, cập nhật hồ sơ địa chính",
}


def make_steps(row: dict, tl: dict) -> list[dict]:
    """Internal one-stop workflow (our design, not law). Budgets in working hours."""
    H = limit_hours(tl)
    field, level, name_en = row["field_vi"], row["level"], row["name_en"]
    comp = "department" if level == "province" else "competent"
    land = field == LAND_FIELD and "dispute" not in name_en
    complaint = field in ("Khiếu nại", "Tố cáo")
    reception = field.startswith("Tiếp công dân")
    mediation = field == LAND_FIELD and "dispute" in name_en

    def st(name, role, unit, h):
        return {"name": name, "role": role, "unit": unit, "budget_hours": float(h)}

    proc_name = PROCESS_NAME.get(field, "Thẩm định hồ sơ")
    proc_unit = "land_branch" if land else comp
    # Who signs: province-level land registrations are signed by the land registration office
    # (branch); commune-level land procedures (first issue, correction) by the commune chair.
    appr_unit = "land_branch" if (land and level != "commune") else comp

    if H <= 8:  # same day or 1 working day
        return [
            st("Tiếp nhận hồ sơ", "desk_officer", "receiving", 0.5),
            st(proc_name, "processing_officer", proc_unit, 5),
            st("Phê duyệt, ký kết quả", "unit_head", appr_unit, 1.5),
            st("Trả kết quả", "desk_officer", "receiving", 0.5),
        ]

    recv = 4 if H >= 24 else 2
    ret = 4 if H >= 24 else 2
    appr = 8 if H >= 40 else 4
    bulk = floor_half(H - recv - ret - appr)
    assert bulk >= 4, (row["name_vi"], H)

    if complaint:
        is_complaint = field == "Khiếu nại"
        return [
            st("Tiếp nhận, thụ lý đơn", "desk_officer", "receiving", recv),
            st("Xác minh, đối thoại" if is_complaint else "Xác minh nội dung tố cáo",
               "processing_officer", comp, bulk),
            st("Ban hành quyết định giải quyết khiếu nại" if is_complaint else "Kết luận nội dung tố cáo",
               "unit_head", comp, appr),
            st("Gửi quyết định, kết luận cho đương sự", "desk_officer", "receiving", ret),
        ]
    if reception:
        return [
            st("Tiếp công dân, ghi nhận nội dung", "desk_officer", "receiving", recv),
            st("Phân loại, đề xuất xử lý", "processing_officer", comp, bulk),
            st("Quyết định thụ lý, chuyển đơn hoặc trả lời", "unit_head", comp, appr),
            st("Thông báo cho công dân", "desk_officer", "receiving", ret),
        ]
    if mediation:
        return [
            st("Tiếp nhận đơn yêu cầu hòa giải", "desk_officer", "receiving", recv),
            st("Thẩm tra, xác minh, thu thập tài liệu", "processing_officer", comp, bulk),
            st("Tổ chức họp hòa giải, lập biên bản", "unit_head", comp, appr),
            st("Gửi biên bản hòa giải cho các bên", "desk_officer", "receiving", ret),
        ]
    if land and level == "commune" and "First-time" in name_en:
        commune_part = floor_half(bulk * 0.4)
        return [
            st("Tiếp nhận hồ sơ", "desk_officer", "receiving", recv),
            st("Xác nhận hiện trạng, nguồn gốc sử dụng đất; niêm yết công khai",
               "processing_officer", "competent", commune_part),
            st(proc_name, "processing_officer", "land_branch", bulk - commune_part),
            st("Phê duyệt, ký Giấy chứng nhận", "unit_head", "competent", appr),
            st("Trả kết quả", "desk_officer", "receiving", ret),
        ]
    return [
        st("Tiếp nhận hồ sơ", "desk_officer", "receiving", recv),
        st(proc_name, "processing_officer", proc_unit, bulk),
        st("Phê duyệt, ký kết quả", "unit_head", appr_unit, appr),
        st("Trả kết quả", "desk_officer", "receiving", ret),
    ]


def time_limit(row: dict) -> dict | None:
    unit, val = row["time_limit_unit"].strip(), row["time_limit_value"].strip()
    if not unit:
        return None
    if unit == "working_days":
        return {"kind": "working_days", "value": int(val)}
    if unit == "days":
        return {"kind": "calendar_days", "value": int(val)}
    if unit == "same_day_cutoff_15h":
        return {"kind": "same_day"}
    raise ValueError(f"unknown time-limit unit {unit!r}")


def split_docs(s: str) -> list[str]:
    docs = [d.strip() for d in s.split(";") if d.strip()]
    docs = [d[0].upper() + d[1:] for d in docs]
    for d in docs:
        assert d.count("(") == d.count(")"), f"document split inside parentheses: {d!r}"
    return docs


def build_procedures(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    procs, skipped = [], []
    for row in rows:
        tl = time_limit(row)
        if tl is None:
            skipped.append(row)
            continue
        tag, sents = note_sentences(row["notes"])
        if tag not in STATUS:
            raise ValueError(f"unknown status tag {tag!r} for {row['name_vi']}")
        name_en = row["name_en"]
        code = CODE_OVERRIDE.get(name_en) or row["national_code"].strip() or local_code(name_en)
        docs = split_docs(row["required_documents"])
        extra = []
        if not docs:
            docs = ["Đơn hoặc tờ khai đề nghị theo mẫu"]
            extra.append("Document list not in the research data; placeholder item.")
        if name_en in CODE_OVERRIDE:
            extra.append(f"National code {row['national_code']} is shared with individual houses; "
                         "suffix added here.")
        fee = row["fee_vnd"].strip()
        base = {
            "code": code,
            "version": 1,
            "name": nfc(row["name_vi"].strip()),
            "field": nfc(row["field_vi"].strip()),
            "level": row["level"].strip(),
            "time_limit": tl,
            "fee_vnd": int(fee) if fee else None,
            "fee_note": fee_note_from(sents),
            "online": "full" if row["online_level"].strip() == "full" else "partial",
            "documents": docs,
            "legal_basis": nfc(row["legal_basis"].strip()),
            "source": " ".join(row["source_url"].split()),
            "effective_from": EFFECTIVE_FROM_OVERRIDE.get(name_en, DEFAULT_FROM),
            "effective_to": None,
            "status": STATUS[tag],
            "note": None,
            "_row": row,
        }
        if name_en in EFFECTIVE_FROM_OVERRIDE:
            extra.append(f"Effective from {base['effective_from']}, when the cited decree took effect.")

        if row["field_vi"] == "Xây dựng":
            base["effective_from"] = CONSTRUCTION_FROM
            old = CONSTRUCTION_OLD.get(name_en)
            if old:
                days, old_status = old
                portal_copy = next((u for u in URL_RE.findall(row["notes"]) if "chatbot_tthc" in u), None)
                assert portal_copy, name_en
                portal_copy = portal_copy.rstrip(").,")
                v1 = dict(base)
                v1.update({
                    "version": 1,
                    "time_limit": {"kind": "calendar_days", "value": days},
                    "online": "partial",
                    "documents": [re.sub(r"\s*\((?:Mẫu[^)]*|[^)]*217/2026[^)]*)\)", "", d) for d in docs],
                    "legal_basis": ("Luật Xây dựng 2014 (sửa đổi 2020), Điều 102; Nghị định 175/2024/NĐ-CP – "
                                    "thời hạn theo hồ sơ TTHC QĐ 56/QĐ-BXD trên Cổng DVC quốc gia"),
                    "source": portal_copy,
                    "effective_from": DEFAULT_FROM,
                    "effective_to": "2026-06-30",
                    "status": old_status,
                    "fee_note": "Fee set by HCMC People's Council (amount not found).",
                    "note": pack([
                        f"Limit before Decree 217/2026: {days} days per the portal record "
                        "(QĐ 56/QĐ-BXD, Art. 102 Law on Construction wording).",
                        "Channel table shows 15 in person / 20 online." if old_status == "unconfirmed" else "",
                        "Documents copied from version 2, form references removed.",
                    ], PROC_NOTE_MAX, " "),
                })
                v1["steps"] = make_steps(row, v1["time_limit"])
                procs.append(v1)
                base["version"] = 2
                extra.append(f"Version 2 (Decree 217/2026, from {CONSTRUCTION_FROM}); "
                             "version 1 holds the earlier limit.")
            else:
                extra.append(f"Effective from {CONSTRUCTION_FROM} (Decree 217/2026); "
                             "no explicit old limit in the research notes.")
        base["note"] = proc_note(sents, extra)
        base["steps"] = make_steps(row, tl)
        procs.append(base)
    return procs, skipped


# ---------------------------------------------------------------------------------------------
# Output and checks


def write_units_file(path: Path, structure: dict, units: list[dict], header: str) -> None:
    out = [header, f"format = {toml_str(FORMAT)}\n"]
    out.append(table("structures", structure))
    for u in units:
        out.append(table("units", u))
    path.write_text("\n".join(out), encoding="utf-8")


def write_procedures_file(path: Path, procs: list[dict], header: str) -> None:
    out = [header, f"format = {toml_str(FORMAT)}\n"]
    keys = ["code", "version", "name", "field", "level", "time_limit", "fee_vnd", "fee_note", "online",
            "documents", "legal_basis", "source", "effective_from", "effective_to", "status", "note"]
    for p in procs:
        out.append(table("procedures", {k: p[k] for k in keys}).rstrip("\n"))
        for s in p["steps"]:
            out.append(table("procedures.steps", s).rstrip("\n"))
        out.append("")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


UNIT_KEYS = {"structure", "code", "name", "kind", "local_kind", "parent", "head", "source", "note"}
PROC_KEYS = {"code", "version", "name", "field", "level", "time_limit", "fee_vnd", "fee_note", "online",
             "documents", "legal_basis", "source", "effective_from", "effective_to", "status", "note",
             "steps"}
STEP_KEYS = {"name", "role", "unit", "budget_hours"}
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def check_text(s: str, where: str) -> None:
    assert isinstance(s, str) and s == nfc(s), f"{where}: not NFC"
    assert s.strip() == s and s, f"{where}: empty or padded"


def check_units_file(path: Path, structure_id: str) -> dict:
    text = path.read_text(encoding="utf-8")
    first_key = next(l for l in text.splitlines() if l.strip() and not l.startswith("#"))
    assert first_key.startswith("format ="), f"{path}: format must be the first key"
    doc = tomllib.loads(text)
    assert doc["format"] == FORMAT
    assert set(doc) == {"format", "structures", "units"}, set(doc)
    [st] = doc["structures"]
    assert st["id"] == structure_id and STRUCT_RE.fullmatch(st["id"])
    assert DATE_RE.fullmatch(st["effective_from"]) and st["source"].startswith("http")
    codes: dict[str, dict] = {}
    for u in doc["units"]:
        assert set(u) <= UNIT_KEYS, set(u) - UNIT_KEYS
        assert u["structure"] == structure_id
        assert CODE_RE.fullmatch(u["code"]), u["code"]
        assert u["code"] not in codes, f"duplicate code {u['code']}"
        codes[u["code"]] = u
        for k in ("name", "head", "source"):
            check_text(u[k], f"{path.name}:{u['code']}.{k}")
        assert all(x.startswith("http") for x in u["source"].split()), u["code"]
        assert len(u.get("note", "")) < 200, (u["code"], len(u["note"]))
        assert u["kind"] in {"city", "department", "district", "commune", "land_office", "land_branch",
                             "service_centre"}
    for u in doc["units"]:
        if u["kind"] == "city":
            assert "parent" not in u
        else:
            assert u["parent"] in codes, (u["code"], u.get("parent"))
        # no cycles: walk up to the city
        seen, c = set(), u
        while "parent" in c:
            assert c["code"] not in seen, f"cycle at {u['code']}"
            seen.add(c["code"])
            c = codes[c["parent"]]
        assert c["kind"] == "city"
    return doc


def check_procedures_file(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    first_key = next(l for l in text.splitlines() if l.strip() and not l.startswith("#"))
    assert first_key.startswith("format ="), f"{path}: format must be the first key"
    doc = tomllib.loads(text)
    assert doc["format"] == FORMAT and set(doc) == {"format", "procedures"}
    seen = set()
    for p in doc["procedures"]:
        where = f"{path.name}:{p['code']}v{p['version']}"
        assert set(p) <= PROC_KEYS, set(p) - PROC_KEYS
        assert CODE_RE.fullmatch(p["code"]), where
        assert (p["code"], p["version"]) not in seen, f"{where}: duplicate"
        seen.add((p["code"], p["version"]))
        for k in ("name", "field", "legal_basis", "source"):
            check_text(p[k], f"{where}.{k}")
        assert p["level"] in {"commune", "province", "both"}, where
        assert p["online"] in {"full", "partial"}, where
        assert p["status"] in {"confirmed", "portal", "unconfirmed"}, where
        assert p["documents"] and all(isinstance(d, str) and d for d in p["documents"]), where
        assert all(x.startswith("http") for x in p["source"].split()), where
        assert DATE_RE.fullmatch(p["effective_from"]), where
        if "effective_to" in p:
            assert p["effective_to"] >= p["effective_from"], where
        if "fee_vnd" in p:
            assert isinstance(p["fee_vnd"], int) and p["fee_vnd"] >= 0, where
        assert len(p.get("note", "")) < 300, (where, len(p["note"]))
        tl = p["time_limit"]
        assert tl["kind"] in {"same_day", "working_days", "calendar_days"}, where
        assert ("value" in tl) == (tl["kind"] != "same_day"), where
        steps = p["steps"]
        assert steps, where
        for s in steps:
            assert set(s) == STEP_KEYS, where
            assert s["role"] in {"desk_officer", "processing_officer", "unit_head", "city_leader"}, where
            assert s["unit"] in {"receiving", "competent", "land_branch", "department"}, where
            assert s["budget_hours"] > 0, where
        total = sum(s["budget_hours"] for s in steps)
        assert total <= limit_hours(tl) + 1e-9, f"{where}: steps {total}h exceed {limit_hours(tl)}h"
    # Versions of one code must not overlap in time.
    by_code: dict[str, list[dict]] = {}
    for p in doc["procedures"]:
        by_code.setdefault(p["code"], []).append(p)
    for code, vs in by_code.items():
        vs.sort(key=lambda p: p["version"])
        for a, b in zip(vs, vs[1:]):
            assert "effective_to" in a and a["effective_to"] < b["effective_from"], code
    return doc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                    help=f"shared research folder (default: {DEFAULT_SHARED})")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    args = ap.parse_args(argv)
    data = args.shared / "data"
    args.out.mkdir(parents=True, exist_ok=True)

    header = ("# Generated by tools/catalog/build_catalog.py from shared/data/{src}.\n"
              "# Do not edit by hand: change the generator or the research data and re-run it.\n")

    # --- units 2024
    rows24 = read_csv(data / "hcmc-units-2024.csv")
    city24 = next(r for r in rows24 if r["kind"] == "city")
    st24 = {
        "id": "hcmc-2024",
        "name": "TP.HCM 2024: 22 đơn vị cấp huyện, 312 đơn vị cấp xã",
        "effective_from": "2021-01-01",
        "effective_to": "2025-06-30",
        "source": " ".join(city24["source_url"].split()),
    }
    units24 = build_units(rows24, "hcmc-2024")
    p24 = args.out / "hcmc-units-2024.toml"
    write_units_file(p24, st24, units24, header.format(src="hcmc-units-2024.csv"))

    # --- units 2025
    rows25 = read_csv(data / "hcmc-units-2025.csv")
    city25 = next(r for r in rows25 if r["kind"] == "city")
    st25 = {
        "id": "hcmc-2025",
        "name": "TP.HCM từ 1/7/2025: 168 đơn vị cấp xã, không còn cấp huyện",
        "effective_from": "2025-07-01",
        "source": " ".join(city25["source_url"].split()),
    }
    units25 = build_units(rows25, "hcmc-2025")
    assert SERVICE_CENTRE_2025["code"] not in {u["code"] for u in units25}
    sc = {"structure": "hcmc-2025", "code": SERVICE_CENTRE_2025["code"], "name": SERVICE_CENTRE_2025["name"],
          "kind": "service_centre", "local_kind": None, "parent": SERVICE_CENTRE_2025["parent"],
          "head": SERVICE_CENTRE_2025["head"], "source": SERVICE_CENTRE_2025["source"],
          "note": SERVICE_CENTRE_2025["note"]}
    # place it after the departments, before the land office
    idx = next(i for i, u in enumerate(units25) if u["kind"] == "land_office")
    units25.insert(idx, sc)
    p25 = args.out / "hcmc-units-2025.toml"
    write_units_file(p25, st25, units25, header.format(src="hcmc-units-2025.csv"))

    # --- procedures
    prow = read_csv(data / "procedures-sample.csv")
    procs, skipped = build_procedures(prow)
    pp = args.out / "hcmc-procedures.toml"
    write_procedures_file(pp, procs, header.format(src="procedures-sample.csv"))

    # --- read back and check
    d24 = check_units_file(p24, "hcmc-2024")
    d25 = check_units_file(p25, "hcmc-2025")
    dp = check_procedures_file(pp)
    assert len(prow) == len(procs) - sum(1 for p in procs if p["version"] == 2) + len(skipped)

    def kinds(doc):
        c: dict[str, int] = {}
        for u in doc["units"]:
            k = u["kind"] + (f"/{u['local_kind']}" if "local_kind" in u else "")
            c[k] = c.get(k, 0) + 1
        return dict(sorted(c.items()))

    print(f"{p24}: {len(d24['units'])} units {kinds(d24)}")
    print(f"{p25}: {len(d25['units'])} units {kinds(d25)}")
    entries = dp["procedures"]
    print(f"{pp}: {len(entries)} entries, {len({p['code'] for p in entries})} procedures")
    for s in skipped:
        print(f"  skipped (no time limit): {s['name_vi']} ({s['name_en']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
