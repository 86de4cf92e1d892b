"""The PSSI draft of an establishment: the PGSSI-S skeleton filled with what Socle knows.

Context: the establishment (name, FINESS, kind, department), its sites and circuits
(network plane) and its hosting subscriptions (hosting plane), read through those
planes' public query functions; a plane that is absent or has nothing shows as such.
Risk-treatment decisions come from the establishment's latest risk study (validated
ones first): its risks, decisions and measures, each measure also placed in the
skeleton section it names (``pssi_section``). The latest submitted diagnostic flash
gives the maturity. :func:`document` turns all that into one plain structure (chapters,
sections, blocks of text, tables and lists, in French), rendered as HTML (Jinja2), PDF
(headless Chromium) and DOCX (python-docx) alike.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane import tenants
from controlplane.errors import NotFound
from controlplane.models import Tenant
from controlplane.reports import html_to_pdf
from ssi.campaigns.models import Assessment
from ssi.errors import TENANT_NOT_FOUND
from ssi.library import SkeletonFramework
from ssi.library.service import library
from ssi.risks.models import RiskStudy
from ssi.risks.schemas import Measure, Risk, StudyContent
from ssi.risks.service import analyse

SKELETON = "pgssi-s-pssi-skeleton"

STATUS_LABELS = {"planned": "prévue", "in_progress": "en cours", "done": "réalisée",
                 "abandoned": "abandonnée"}
OPTION_LABELS = {"reduce": "réduire", "accept": "accepter", "avoid": "éviter",
                 "transfer": "transférer", None: "non décidé"}

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass
class PssiContext:
    """Everything the draft is written from."""

    tenant: Tenant
    skeleton: SkeletonFramework
    today: date
    sites: list[dict[str, Any]] | None = None  # None: the network plane is not available
    circuits: list[dict[str, Any]] | None = None
    subscriptions: list[dict[str, Any]] | None = None
    study: RiskStudy | None = None
    risks: list[Risk] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    flash: Assessment | None = None

    def measures_for(self, section_id: str) -> list[Measure]:
        """The measures the study places in a skeleton section."""
        return [m for m in self.measures if m.pssi_section == section_id]


def context(db: Session, finess: str, *, today: date, version: str | None = None) -> PssiContext:
    """Gather the draft's context through the caller's session (404 for a tenant it
    cannot see)."""
    tenant = tenants.find_by_finess(db, finess)
    if tenant is None:
        raise NotFound(detail=f"no establishment {finess}", code=TENANT_NOT_FOUND)
    found = library().get(SKELETON, version)
    if not isinstance(found, SkeletonFramework):  # the loader keeps a framework's kind
        raise TypeError(f"{SKELETON} {found.version} is not a skeleton")
    ctx = PssiContext(tenant=tenant, skeleton=found, today=today)
    ctx.sites = _rows(db, "network", "site_query", tenant.finess,
                      ("code", "name", "address", "access"))
    ctx.circuits = _rows(db, "network", "circuit_query", tenant.finess,
                         ("ref", "access", "bandwidth_mbps"))
    ctx.subscriptions = _subscriptions(db, tenant.finess)
    ctx.study = db.scalar(
        select(RiskStudy).where(RiskStudy.tenant_id == tenant.id)
        .order_by((RiskStudy.state == "validated").desc(), RiskStudy.updated_at.desc(),
                  RiskStudy.id.desc()).limit(1)
    )
    if ctx.study is not None:
        content = StudyContent.model_validate(ctx.study.content)
        ctx.risks = analyse(content, today=today).risks
        ctx.measures = content.measures
    ctx.flash = db.scalar(
        select(Assessment).where(Assessment.tenant_id == tenant.id,
                                 Assessment.state == "submitted")
        .order_by(Assessment.submitted_at.desc()).limit(1)
    )
    return ctx


@dataclass(frozen=True)
class Block:
    """Something a section says: a paragraph, a bulleted list or a table."""

    kind: str  # "text" | "list" | "table"
    text: str = ""
    items: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class DraftSection:
    """One skeleton section: what to write (guidance) and what Socle already knows."""

    id: str
    title: str
    guidance: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class DraftChapter:
    """One skeleton chapter."""

    number: int
    title: str
    description: str | None
    sections: tuple[DraftSection, ...]


@dataclass(frozen=True)
class Draft:
    """The whole PSSI draft, ready to render."""

    title: str
    notice: str
    facts: tuple[tuple[str, str], ...]
    chapters: tuple[DraftChapter, ...]


def document(ctx: PssiContext) -> Draft:
    """The draft: every chapter and section of the skeleton, with the context's blocks."""
    study = ctx.study
    facts = (
        ("Établissement", ctx.tenant.name),
        ("FINESS", ctx.tenant.finess),
        ("Catégorie", ctx.tenant.kind),
        ("Département", ctx.tenant.department),
        ("Canevas", f"{ctx.skeleton.title} (version {ctx.skeleton.version})"),
        ("Analyse de risques", f"{study.title} ({_state(study.state)})" if study
         else "aucune étude EBIOS RM enregistrée"),
    )
    chapters = tuple(
        DraftChapter(
            number=number, title=chapter.title, description=chapter.description,
            sections=tuple(
                DraftSection(id=section.id, title=section.title, guidance=section.guidance,
                             blocks=(*_context_blocks(ctx, section.id),
                                     *_measure_blocks(ctx, section.id)))
                for section in chapter.items
            ),
        )
        for number, chapter in enumerate(ctx.skeleton.chapters, start=1)
    )
    return Draft(
        title="Politique de sécurité du système d'information",
        notice=f"Projet généré par Socle le {ctx.today:%d/%m/%Y} — à relire, compléter et "
        "faire valider par le représentant légal.",
        facts=facts,
        chapters=chapters,
    )


def render_html(ctx: PssiContext) -> str:
    """The draft as a standalone French HTML document."""
    return _TEMPLATES.get_template("pssi.html.j2").render(draft=document(ctx))


def render_pdf(ctx: PssiContext) -> bytes:
    """The draft as PDF."""
    return html_to_pdf(render_html(ctx))


def render_docx(ctx: PssiContext) -> bytes:
    """The draft as a Word document."""
    import docx  # python-docx (with lxml) is imported on use: the CLI starts lighter

    draft = document(ctx)
    word = docx.Document()
    word.add_heading(draft.title, level=0)
    word.add_paragraph(draft.notice).runs[0].bold = True
    _docx_table(word, ("", ""), draft.facts)
    for chapter in draft.chapters:
        word.add_heading(f"{chapter.number}. {chapter.title}", level=1)
        if chapter.description:
            word.add_paragraph(chapter.description)
        for section in chapter.sections:
            word.add_heading(f"{section.id} — {section.title}", level=2)
            word.add_paragraph(f"À rédiger : {section.guidance}").runs[0].italic = True
            for block in section.blocks:
                if block.kind == "table":
                    _docx_table(word, block.header, block.rows)
                elif block.kind == "list":
                    for item in block.items:
                        word.add_paragraph(item, style="List Bullet")
                else:
                    word.add_paragraph(block.text)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _docx_table(word: Any, header: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> None:
    table = word.add_table(rows=0, cols=len(header))
    table.style = "Table Grid"
    for values in ((header,) if any(header) else ()) + tuple(rows):
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = value


def _state(state: str) -> str:
    return "validée" if state == "validated" else "brouillon"


def _date(value: date) -> str:
    return f"{value:%d/%m/%Y}"


def _context_blocks(ctx: PssiContext, section_id: str) -> list[Block]:
    """What Socle knows that belongs in a section (by the PGSSI-S skeleton's ids)."""
    if section_id == "C2.1":
        return [Block("text", text=f"La présente politique s'applique à {ctx.tenant.name} "
                      f"(FINESS {ctx.tenant.finess}). Le responsable de la sécurité des "
                      "systèmes d'information régional du GCS accompagne l'établissement.")]
    if section_id == "C2.2":
        return _risk_blocks(ctx)
    if section_id == "C2.4":
        flash = ctx.flash
        if flash is None:
            return [Block("text", text="Aucun diagnostic flash soumis.")]
        return [Block("text", text=f"Dernier diagnostic flash : campagne « "
                      f"{flash.campaign.name} », score {flash.overall or 0:.0f}/100, niveau "
                      f"de maturité {flash.maturity_level}.")]
    if section_id in ("C3.1", "C4.1"):
        blocks = _table_or(ctx.sites, ("Site", "Nom", "Adresse", "Accès"),
                           ("code", "name", "address", "access"),
                           "Inventaire des sites indisponible dans Socle.",
                           "Aucun site enregistré dans Socle.")
        if section_id == "C4.1" and ctx.circuits:
            blocks += _table_or(ctx.circuits, ("Lien", "Accès", "Débit (Mb/s)"),
                                ("ref", "access", "bandwidth_mbps"), "", "")
        return blocks
    if section_id == "C4.3":
        rows = [{**s, "immutable": "oui" if s["immutable"] else "non"}
                for s in ctx.subscriptions or []]
        return _table_or(
            rows if ctx.subscriptions is not None else None,
            ("Service hébergé", "Nature", "État", "Copie immuable", "Copies"),
            ("offer", "kind", "state", "immutable", "copies"),
            "Services d'hébergement indisponibles dans Socle.",
            "Aucun service d'hébergement ou de sauvegarde souscrit auprès du GCS.")
    return []


def _risk_blocks(ctx: PssiContext) -> list[Block]:
    if ctx.study is None:
        return [Block("text", text="Aucune analyse de risques n'est enregistrée dans Socle : "
                      "en conduire une (EBIOS RM) avant de valider cette politique.")]
    return [
        Block("text", text=f"L'analyse de risques « {ctx.study.title} » (méthode EBIOS Risk "
              f"Manager) retient {len(ctx.risks)} risque(s)."),
        Block("table", header=("Scénario", "Gravité", "Vraisemblance", "Niveau", "Décision",
                               "Risque résiduel"),
              rows=tuple((r.scenario, f"G{r.severity}", f"V{r.likelihood}", r.level,
                          OPTION_LABELS[r.option.value if r.option else None], r.residual_level)
                         for r in ctx.risks)),
        Block("text", text="Plan de traitement des risques :"),
        Block("table", header=("Mesure", "Responsable", "Échéance", "État"),
              rows=tuple((m.title, m.owner, _date(m.deadline), STATUS_LABELS[m.status.value])
                         for m in ctx.measures)),
    ]


def _measure_blocks(ctx: PssiContext, section_id: str) -> list[Block]:
    placed = ctx.measures_for(section_id)
    if not placed:
        return []
    return [Block("text", text="Mesures décidées :"),
            Block("list", items=tuple(
                f"{m.title} — responsable : {m.owner}, échéance {_date(m.deadline)} "
                f"({STATUS_LABELS[m.status.value]})" for m in placed))]


def _table_or(found: list[dict[str, Any]] | None, header: tuple[str, ...],
              columns: tuple[str, ...], unavailable: str, empty: str) -> list[Block]:
    """A table of ``found``; a sentence when its plane is unavailable (None) or empty."""
    if found is None:
        return [Block("text", text=unavailable)]
    if not found:
        return [Block("text", text=empty)] if empty else []
    return [Block("table", header=header, rows=tuple(
        tuple("" if row[c] is None else str(row[c]) for c in columns) for row in found))]


def _query(plane: str, name: str) -> Any:
    if importlib.util.find_spec(plane) is None:
        return None
    return getattr(importlib.import_module(plane), name, None)


def _rows(db: Session, plane: str, name: str, finess: str,
          columns: tuple[str, ...]) -> list[dict[str, Any]] | None:
    query = _query(plane, name)
    if query is None:
        return None
    return [{c: getattr(row, c, None) for c in columns} for row in db.scalars(query(tenant=finess))]


def _subscriptions(db: Session, finess: str) -> list[dict[str, Any]] | None:
    query = _query("hosting", "subscription_query")
    if query is None:
        return None
    return [
        {"id": s.id, "offer": s.offer.name, "kind": s.offer.kind, "state": s.state,
         "immutable": s.offer.immutable, "copies": s.offer.copies,
         "retention_days": s.offer.retention_days}
        for s in db.scalars(query(tenant=finess))
    ]
