"""The default industry list, loaded by migration 0002 and ensured by the demo command."""

from __future__ import annotations

from sqlalchemy import select, text

DEFAULT_INDUSTRIES: list[tuple[str, str]] = [
    ("accounting", "Accounting and audit"),
    ("agriculture", "Agriculture and food"),
    ("architecture", "Architecture and construction"),
    ("arts", "Arts, culture and design"),
    ("banking-finance", "Banking and finance"),
    ("consulting", "Consulting"),
    ("education", "Education"),
    ("energy", "Energy and utilities"),
    ("engineering", "Engineering and manufacturing"),
    ("environment", "Environment and sustainability"),
    ("government", "Government and public administration"),
    ("healthcare", "Healthcare and medicine"),
    ("hospitality", "Hospitality, travel and tourism"),
    ("insurance", "Insurance"),
    ("law", "Law and legal services"),
    ("marketing", "Marketing and advertising"),
    ("nonprofit", "Nonprofit and social services"),
    ("pharma-biotech", "Pharmaceuticals and biotechnology"),
    ("public-relations", "Public relations and communications"),
    ("publishing-media", "Publishing and media"),
    ("real-estate", "Real estate"),
    ("research", "Research and academia"),
    ("retail", "Retail and consumer goods"),
    ("software", "Software and IT"),
    ("sport", "Sport and recreation"),
    ("transport", "Transport and logistics"),
    ("veterinary", "Veterinary and animal care"),
]

DEFAULT_NAMES = dict(DEFAULT_INDUSTRIES)

# The default industries' names in the other languages CareerLink ships: shown while an
# industry keeps its shipped name and no administrator has named it in that language
# (`Industry.translations`, edited on the industries page; the demo stores them).
DEFAULT_TRANSLATIONS: dict[str, dict[str, str]] = {
    "accounting": {"fr": "Comptabilité et audit"},
    "agriculture": {"fr": "Agriculture et alimentation"},
    "architecture": {"fr": "Architecture et construction"},
    "arts": {"fr": "Arts, culture et design"},
    "banking-finance": {"fr": "Banque et finance"},
    "consulting": {"fr": "Conseil"},
    "education": {"fr": "Éducation"},
    "energy": {"fr": "Énergie et services publics"},
    "engineering": {"fr": "Ingénierie et industrie"},
    "environment": {"fr": "Environnement et développement durable"},
    "government": {"fr": "Fonction publique et administration"},
    "healthcare": {"fr": "Santé et médecine"},
    "hospitality": {"fr": "Hôtellerie, voyages et tourisme"},
    "insurance": {"fr": "Assurance"},
    "law": {"fr": "Droit et services juridiques"},
    "marketing": {"fr": "Marketing et publicité"},
    "nonprofit": {"fr": "Associations et action sociale"},
    "pharma-biotech": {"fr": "Pharmacie et biotechnologies"},
    "public-relations": {"fr": "Relations publiques et communication"},
    "publishing-media": {"fr": "Édition et médias"},
    "real-estate": {"fr": "Immobilier"},
    "research": {"fr": "Recherche et enseignement supérieur"},
    "retail": {"fr": "Commerce et biens de consommation"},
    "software": {"fr": "Logiciel et informatique"},
    "sport": {"fr": "Sport et loisirs"},
    "transport": {"fr": "Transport et logistique"},
    "veterinary": {"fr": "Soins vétérinaires et animaliers"},
}


def ensure_default_industries(connection) -> int:
    """Insert the default industries that are missing (by slug); return how many were added."""
    existing = {
        row[0] for row in connection.execute(text("SELECT slug FROM careerlink_industries"))
    }
    missing = [
        {"slug": slug, "name": name, "active": True}
        for slug, name in DEFAULT_INDUSTRIES
        if slug not in existing
    ]
    if missing:
        connection.execute(
            text(
                "INSERT INTO careerlink_industries (slug, name, active) "
                "VALUES (:slug, :name, :active)"
            ),
            missing,
        )
    return len(missing)


def active_industries():
    """Active industries by name (for filters and forms)."""
    from careerlink.extensions import db
    from careerlink.mentors.models import Industry

    return list(
        db.session.scalars(
            select(Industry).where(Industry.active.is_(True)).order_by(Industry.name)
        )
    )
