"""Stored codes (``in_camp``, ``public_anonymised``, grade 3…) to the English msgids of
the catalogue, which templates then translate with ``_()``. ``N_`` only marks a string
for extraction; an unknown code is shown as it is."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "ACKNOWLEDGED",
    "ACTION_TARGETS",
    "ASPECTS",
    "CONSENT",
    "CONTACT_CHANNELS",
    "ETHNICITY",
    "FIELDS",
    "GRADES",
    "KEYS",
    "KZ_STATUS",
    "LANGUAGES",
    "NAME_FORMS",
    "OPS",
    "RELATIONSHIPS",
    "RELIABILITY",
    "RESPONSIBLE",
    "SCRIPTS",
    "SEX",
    "STATUS",
    "SUBMITTED_TO",
    "UN_ELEMENTS",
    "UN_ROUTES",
    "VIOLATION",
    "VISIBILITY",
    "label",
]


def N_(message: str) -> str:
    return message


STATUS: Mapping[str, str] = {
    "detained": N_("Detained"),
    "in_camp": N_("In camp"),
    "sentenced": N_("Sentenced"),
    "in_prison": N_("In prison"),
    "released": N_("Released"),
    "house_arrest": N_("Under house arrest"),
    "forced_labour": N_("In forced labour"),
    "travel_banned": N_("Passport confiscated / travel banned"),
    "disappeared": N_("Disappeared"),
    "deceased": N_("Deceased"),
}
# Who is believed responsible for a status event (records.changes.RESPONSIBLE)
RESPONSIBLE: Mapping[str, str] = {
    "police": N_("Police"),
    "state_security": N_("State security"),
    "local_officials": N_("Village or neighbourhood officials"),
    "court": N_("A court"),
    "border_guards": N_("Border guards"),
    "other": N_("Someone else"),
    "unknown": N_("Not known"),
}
# Whether the authorities acknowledge an event (a stored true or false)
ACKNOWLEDGED: Mapping[str, str] = {
    "True": N_("Acknowledged by the authorities"),
    "False": N_("Not acknowledged by the authorities"),
}
# To whom the family turned (records.changes.ACTION_TARGETS)
ACTION_TARGETS: Mapping[str, str] = {
    "kz_foreign_ministry": N_("Kazakhstan's Ministry of Foreign Affairs"),
    "kz_akimat": N_("The local akimat"),
    "kz_police": N_("Police in Kazakhstan"),
    "kz_other": N_("Another Kazakh body (ombudsman, parliament…)"),
    "cn_consulate": N_("China's embassy or a consulate"),
    "cn_authorities": N_("Authorities in China"),
    "un": N_("The United Nations"),
    "media": N_("Journalists"),
    "ngo": N_("Another human-rights organisation"),
    "other": N_("Someone else"),
}
# How a relative last heard from the person (records.changes.CONTACT_CHANNELS)
CONTACT_CHANNELS: Mapping[str, str] = {
    "in_person": N_("In person"),
    "phone": N_("A phone call"),
    "video_call": N_("A video call"),
    "message": N_("A message app (WeChat, QQ, WhatsApp…)"),
    "letter": N_("A letter"),
    "through_others": N_("News through someone else"),
    "other": N_("Another way"),
}
# A reviewer's assessment (records.changes.RELIABILITY, VIOLATION, UN_ROUTES), in
# HURIDOCS's terms
RELIABILITY: Mapping[str, str] = {
    "highly_reliable": N_("Highly reliable"),
    "likely_reliable": N_("Likely reliable"),
    "unsure": N_("Unsure"),
    "likely_unreliable": N_("Likely unreliable"),
    "highly_unreliable": N_("Highly unreliable"),
}
VIOLATION: Mapping[str, str] = {
    "confirmed": N_("Confirmed"),
    "likely": N_("Likely"),
    "possible": N_("Possible"),
    "unlikely": N_("Unlikely"),
}
UN_ROUTES: Mapping[str, str] = {
    "urgent": N_("Urgent action (disappeared within the last three months)"),
    "standard": N_("Standard procedure"),
}
# To whom the group submitted a case (records.changes.SUBMITTED_TO)
SUBMITTED_TO: Mapping[str, str] = {
    "un_wgeid": N_("UN Working Group on Enforced or Involuntary Disappearances"),
    "un_wgad": N_("UN Working Group on Arbitrary Detention"),
    "un_rapporteur": N_("A UN special rapporteur"),
    "un_other": N_("Another UN body"),
    "government": N_("A government or parliament"),
    "other": N_("Someone else"),
}
# The aspects of an assessment (records.changes.ASSESSMENT)
ASPECTS: Mapping[str, str] = {
    "source_reliability": N_("Reliability of the source"),
    "information_reliability": N_("Reliability of the information"),
    "violation": N_("Violation"),
    "un_route": N_("UN procedure"),
}
# What a case to the UN working group needs (views.un.UN_ELEMENTS), as still missing
UN_ELEMENTS: Mapping[str, str] = {
    "name": N_("the person's full name"),
    "date": N_("the date of the detention or disappearance, at least its month"),
    "place": N_("where the person was detained or last seen"),
    "responsible": N_("who is believed responsible"),
    "actions": N_("what the family has done"),
    "consent": N_("a testimony whose testifier agreed to a submission to the UN"),
}
# The testifier's status in Kazakhstan (records.changes.KZ_STATUSES)
KZ_STATUS: Mapping[str, str] = {
    "citizen": N_("Citizen of Kazakhstan"),
    "permanent_resident": N_("Permanent resident of Kazakhstan"),
    "kandas": N_("Kandas: papers in process"),
    "other": N_("Other"),
}
# Who may see a testimony's file (records.changes.VISIBILITIES)
VISIBILITY: Mapping[str, str] = {
    "public": N_("May be published, if the consent allows"),
    "restricted": N_("Staff only"),
    "sensitive": N_("Sensitive: staff only"),
}
CONSENT: Mapping[str, str] = {
    "public_named": N_("Public, with name"),
    "public_anonymised": N_("Public, anonymised"),
    "internal": N_("Internal only"),
    "withdrawn": N_("Withdrawn"),
}
GRADES: Mapping[str, str] = {
    "unsupported": N_("Unsupported"),
    "testimony": N_("Testimony"),
    "identified": N_("Identified"),
    "documented": N_("Documented"),
    "corroborated": N_("Corroborated"),
}
RELATIONSHIPS: Mapping[str, str] = {
    "spouse": N_("Spouse"),
    "parent": N_("Parent"),
    "child": N_("Child"),
    "sibling": N_("Sibling"),
    "other_relative": N_("Other relative"),
    "friend": N_("Friend"),
    "co_detainee": N_("Co-detainee"),
    "eyewitness": N_("Eyewitness"),
    # part: public
    "self": N_("The person themself"),
    "other": N_("Other"),
    "unknown": N_("Unknown"),
}
SEX: Mapping[str, str] = {"male": N_("Male"), "female": N_("Female")}
ETHNICITY: Mapping[str, str] = {
    "kazakh": N_("Kazakh"), "uyghur": N_("Uyghur"), "kyrgyz": N_("Kyrgyz"), "hui": N_("Hui"),
    "uzbek": N_("Uzbek"), "tatar": N_("Tatar"), "tajik": N_("Tajik"), "mongol": N_("Mongol"),
    "han": N_("Han"), "other": N_("Other"),
}  # fmt: skip
SCRIPTS: Mapping[str, str] = {
    "Latn": N_("Latin"),
    "Cyrl": N_("Cyrillic"),
    "Arab": N_("Arabic script"),
    "Hani": N_("Chinese characters"),
    "Zyyy": N_("no letters"),
}
# The fields of a person's values (records.changes.FIELDS), as a value's table names them
FIELDS: Mapping[str, str] = {
    "name": N_("Name"),
    "status": N_("Status event"),
    "birth": N_("Date of birth"),
    "death": N_("Date of death"),
    "sex": N_("Sex"),
    "ethnicity": N_("Ethnicity"),
    "citizenship": N_("Citizenship"),
    "occupation": N_("Occupation"),
    "hometown": N_("Hometown"),
    "document": N_("Identity document"),
    "relative": N_("Relative"),
    "action": N_("Step taken by the family"),
    "contact": N_("Last contact"),
    "photo": N_("Photo"),
}
NAME_FORMS: Mapping[str, str] = {
    "full": N_("Full name"), "given": N_("Given name"), "surname": N_("Surname"),
    "patronymic": N_("Patronymic"), "alias": N_("Other spelling"),
    "chinese": N_("Name in Chinese characters"),
}  # fmt: skip
# Languages of an interview, each by its own name (not translated)
LANGUAGES: Mapping[str, str] = {
    "kk": "Қазақша", "ru": "Русский", "ug": "ئۇيغۇرچە", "zh": "中文", "ky": "Кыргызча",
    "uz": "Ўзбекча", "en": "English",
}  # fmt: skip
# What each change in a person's history did (records.changes.OPS)
OPS: Mapping[str, str] = {
    "person.created": N_("Recorded"),
    "person.amended": N_("Added to"),
    "person.corrected": N_("Corrected"),
    "testimony.recorded": N_("Testimony recorded"),
    "testimony.linked": N_("Testimony linked"),
    "testimony.consent_changed": N_("Consent changed"),
    "source.added": N_("Source added"),
    "rebuttal.added": N_("Rebuttal added"),
    "place.added": N_("Place added"),
    "link.decided": N_("Review decision"),
    "testimony.visibility_changed": N_("Who may see a file changed"),
    "person.assessed": N_("Assessed by a reviewer"),
    "person.submitted": N_("Submission recorded"),
}
# The parts of a value with several (a name's text and script, an event's date…)
KEYS: Mapping[str, str] = {
    "text": N_("Text"),
    "script": N_("Script"),
    "language": N_("Language"),
    "form": N_("Form"),
    "date": N_("Date"),
    "status": N_("Status"),
    "place": N_("Place"),
    "note": N_("Note"),
    "term": N_("Sentence"),
    "charge": N_("Official reason or charge"),
    "kind": N_("Kind"),
    "number": N_("Number"),
    "country": N_("Country"),
    "relation": N_("Relation"),
    "name": N_("Name"),
    "by": N_("Who is believed responsible"),
    "acknowledged": N_("Acknowledged by the authorities"),
    "to": N_("To whom"),
    "reply": N_("The answer"),
    "channel": N_("How"),
}
# kinds of identity document (records.md, the ``document`` claim)
DOCUMENTS = {
    "cn_resident_id": N_("Chinese resident ID"),
    "kz_iin": N_("Kazakh IIN"),
    "passport": N_("Passport"),
    "other": N_("Other document"),
}
_KINDS = {
    "document": DOCUMENTS,
    "status": STATUS,
    "consent": CONSENT,
    "grade": GRADES,
    "relationship": RELATIONSHIPS,
    "sex": SEX,
    "ethnicity": ETHNICITY,
    "script": SCRIPTS,
    "field": FIELDS,
    "key": KEYS,
    "name_form": NAME_FORMS,
    "op": OPS,
    "language": LANGUAGES,
    "responsible": RESPONSIBLE,
    "acknowledged": ACKNOWLEDGED,
    "target": ACTION_TARGETS,
    "channel": CONTACT_CHANNELS,
    "un_element": UN_ELEMENTS,
    "source_reliability": RELIABILITY,
    "information_reliability": RELIABILITY,
    "violation": VIOLATION,
    "un_route": UN_ROUTES,
    "aspect": ASPECTS,
    "recipient": SUBMITTED_TO,
    "visibility": VISIBILITY,
    "kz_status": KZ_STATUS,
}


def label(kind: str, code: object) -> str:
    """The msgid for a stored code of ``kind``; the code itself when unknown."""
    text = "" if code is None else str(code)
    return _KINDS[kind].get(text, text)
