"""The note templates NCC ships (applied by migration 0003; admins edit them in the app)."""


def q(key, label, kind="text", options=(), unit="", per_foot=False, help=""):
    return {"key": key, "label": label, "kind": kind, "options": list(options), "unit": unit,
            "per_foot": per_foot, "help": help}


def section(title, *questions):
    return {"title": title, "questions": list(questions)}


YES_NO = ["Yes", "No"]
PULSE = ["Palpable", "Diminished", "Absent"]
MONOFILAMENT_SITES = ["Hallux", "1st metatarsal head", "3rd metatarsal head",
                      "5th metatarsal head"]
RISK_CATEGORIES = ["Low", "Moderate", "High"]

# Diabetes Feet Australia, Australian guideline on prevention of foot ulceration (2021): the
# risk category sets how often the feet are reviewed.
RISK_REVIEW_INTERVAL = {
    "Low": "every 12 months",
    "Moderate": "every 3 to 6 months",
    "High": "every 1 to 3 months",
}

SOAP = section(
    "Review (SOAP)",
    q("subjective", "Subjective", help="What the patient reports since last visit."),
    q("objective", "Objective", help="Findings on examination."),
    q("assessment", "Assessment"),
    q("plan", "Plan"),
)

TEMPLATES = [
    {
        "slug": "initial-assessment",
        "name": "Initial podiatry assessment",
        "description": "First visit: history, examination of both feet, assessment and plan.",
        "schema": [
            section("History",
                    q("presenting_complaint", "Presenting complaint"),
                    q("history_of_complaint", "History of the complaint"),
                    q("pain_score", "Pain now", "number", unit="/10"),
                    q("medical_history", "Medical history", "checkboxes",
                      ["Diabetes", "Peripheral vascular disease", "Rheumatoid arthritis",
                       "Gout", "Kidney disease", "Anticoagulants"]),
                    q("medications", "Medications"),
                    q("allergies", "Allergies"),
                    q("footwear", "Usual footwear")),
            section("Examination",
                    q("skin", "Skin and nails", per_foot=True),
                    q("dp_pulse", "Dorsalis pedis pulse", "choice", PULSE, per_foot=True),
                    q("pt_pulse", "Posterior tibial pulse", "choice", PULSE, per_foot=True),
                    q("biomechanics", "Biomechanics and gait")),
            section("Assessment and plan",
                    q("assessment", "Assessment"),
                    q("treatment", "Treatment today"),
                    q("plan", "Plan"),
                    q("review_date", "Review on", "date")),
        ],
    },
    {
        "slug": "diabetic-foot",
        "name": "Diabetic foot assessment",
        "description": "Annual or risk-based diabetic foot screen with risk category and review "
                       "interval (Australian diabetes-related foot disease guideline, 2021).",
        "schema": [
            section("History",
                    q("diabetes_type", "Diabetes type", "choice", ["Type 1", "Type 2", "Other"]),
                    q("hba1c", "Latest HbA1c", "number", unit="%"),
                    q("previous_ulcer", "Previous foot ulcer", "choice", YES_NO),
                    q("previous_amputation", "Previous amputation", "choice", YES_NO),
                    q("kidney_failure", "End-stage kidney disease (dialysis)", "choice", YES_NO)),
            section("Neurological",
                    q("monofilament_not_felt", "10 g monofilament: sites NOT felt", "checkboxes",
                      MONOFILAMENT_SITES, per_foot=True,
                      help="Tick each site where the patient did not feel the monofilament."),
                    q("vibration", "Vibration (128 Hz tuning fork)", "choice",
                      ["Present", "Reduced", "Absent"], per_foot=True)),
            section("Vascular",
                    q("dp_pulse", "Dorsalis pedis (DP) pulse", "choice", PULSE, per_foot=True),
                    q("pt_pulse", "Posterior tibial (PT) pulse", "choice", PULSE, per_foot=True),
                    q("capillary_refill", "Capillary refill", "number", unit="s", per_foot=True)),
            section("Skin, deformity and footwear",
                    q("skin", "Skin (callus, fissures, ulcer)", per_foot=True),
                    q("deformity", "Foot deformity", "choice", YES_NO, per_foot=True),
                    q("footwear", "Footwear", "choice",
                      ["Appropriate", "Inappropriate", "Medical grade footwear"]),
                    q("footwear_notes", "Footwear notes")),
            section("Risk and plan",
                    q("risk_category", "Risk category", "choice", RISK_CATEGORIES,
                      help="Suggested from the findings; review interval follows from it."),
                    q("education", "Education given"),
                    q("plan", "Plan"),
                    q("review_date", "Next review", "date")),
        ],
    },
    {
        "slug": "review-soap",
        "name": "Review (SOAP)",
        "description": "A follow-up visit.",
        "schema": [SOAP],
    },
    {
        "slug": "nail-surgery",
        "name": "Nail surgery",
        "description": "Partial or total nail avulsion with phenol matrixectomy.",
        "schema": [
            section("Consent",
                    q("consent", "Written consent obtained", "choice", YES_NO),
                    q("risks_explained", "Risks explained", "checkboxes",
                      ["Infection", "Regrowth", "Bleeding", "Delayed healing"])),
            section("Anaesthetic",
                    q("anaesthetic", "Anaesthetic", "choice",
                      ["Lidocaine 1% plain", "Lidocaine 2% plain", "Ropivacaine 0.75%"]),
                    q("anaesthetic_volume", "Volume", "number", unit="mL"),
                    q("block", "Block", "choice", ["Digital", "Hallux", "Ring"])),
            section("Procedure",
                    q("toe", "Toe and side", per_foot=True),
                    q("procedure", "Procedure", "choice", ["Partial nail avulsion",
                                                           "Total nail avulsion"]),
                    q("phenol_seconds", "Phenol application", "number", unit="s"),
                    q("tourniquet_minutes", "Tourniquet time", "number", unit="min")),
            section("Aftercare",
                    q("dressing", "Dressing"),
                    q("aftercare", "Aftercare instructions given", "choice", YES_NO),
                    q("review_date", "Redress on", "date")),
        ],
    },
    {
        "slug": "orthotic-prescription",
        "name": "Orthotic prescription",
        "description": "Custom foot orthoses: cast, prescription and fitting.",
        "schema": [
            section("Indication",
                    q("indication", "Indication"),
                    q("footwear", "Footwear the orthoses must fit")),
            section("Cast",
                    q("cast_method", "Cast method", "choice",
                      ["3D scan", "Plaster slipper cast", "Foam box"]),
                    q("cast_date", "Cast taken", "date")),
            section("Prescription",
                    q("shell", "Shell material", "choice",
                      ["Polypropylene 3 mm", "Polypropylene 4 mm", "EVA", "Carbon fibre"]),
                    q("heel_cup", "Heel cup depth", "number", unit="mm"),
                    q("rearfoot_post", "Rearfoot post", "number", unit="°", per_foot=True),
                    q("additions", "Additions", "checkboxes",
                      ["Met dome", "Kirby skive", "Heel raise", "Cuboid pad", "Top cover"],
                      per_foot=True),
                    q("lab_notes", "Notes to the laboratory")),
            section("Fitting",
                    q("fitted_on", "Fitted on", "date"),
                    q("fitting_notes", "Fit and wearing-in advice")),
        ],
    },
]


def install(note_template_model) -> None:
    """Create or refresh the shipped templates (the migration; tests after a flush)."""
    for t in TEMPLATES:
        note_template_model.objects.update_or_create(slug=t["slug"], defaults={
            "name": t["name"], "description": t["description"], "schema": t["schema"]})
