"""Instruction-like text: sentences that tell a model or a reviewer to obey, approve, ignore or bypass.

The method (docs/drafting.md, "Instruction-like text") is a small grammar over folded text, not a
list of literal phrases and not a trained classifier:

1. Fold the text so that obfuscation does not matter: NFKC (full-width and mathematical letters
   become ASCII), invisible format characters removed (zero-width, bidi, tag characters),
   look-alike Cyrillic and Greek letters mapped to Latin, accents removed, digits inside words
   read as letters (1gn0re), letter-spaced words joined (i g n o r e), words split across a
   line break joined; a plain line break is a space (line-split phrases), a blank line or a
   list item starts a new sentence.
2. In each sentence, look for one of five moves an injection has to make, each a combination
   of word classes within a few words, in English, French, German and Spanish:
   - override: a verb of setting aside (ignore, disregard, forget, bypass, skip, oublier,
     ignorieren, omitir...) followed by what governs a model or a review (instructions, rules,
     prompt, checks, review...), the latter qualified as the reader's own (previous, above,
     all, your, system...) unless it can only mean that (system prompt, guardrails);
     "do not follow the above instructions" is the same move;
   - approve: a verb of approving or publishing (approve, sign off, publish, mark as approved,
     valider, genehmigen, aprobar...) whose object is the text itself (this draft, this
     module, ce module, dieses Modul, este modulo...), or a claim that it already is approved;
   - address: a sentence that names a reviewer or a model in the vocative (reviewer:, note
     to the reviewer, AI, assistant, the model must...) and then gives an order of the
     override or approve kind, or tells it not to flag, check or report;
   - no-review: telling the reader that checking is not needed (no need to review/verify this,
     without review);
   - role: re-programming the reader (you are now, from now on you, new instructions:,
     system prompt, developer mode, reveal your prompt, respond only with...).
Negation of a setting-aside verb ("never ignore the safety rules") is not an override.
Each word class is a reviewed list: a new language or phrasing is added by extending a list,
and bench/bench_injection.py measures detection and false positives on a table of phrasings.
"""

from __future__ import annotations

import re
import unicodedata

from workbench.domain.checks.context import CheckContext, finding, text_fields
from workbench.domain.drafts import DraftContent
from workbench.domain.findings import Finding, Severity

# --------------------------------------------------------------------------- folding

# Latin look-alikes NFKC leaves alone (Unicode's confusables, the letters that matter here).
CONFUSABLES = str.maketrans({
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
    "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ɡ": "g",
    "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p", "С": "c", "Т": "t", "У": "y",
    "Х": "x", "Ѕ": "s", "І": "i", "Ј": "j",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "ω": "w", "Α": "a", "Β": "b", "Ε": "e", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m", "Ν": "n", "Ο": "o",
    "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x", "Ζ": "z",
    # Other scripts and symbols used as letters
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ſ": "s",
})
# Digits and symbols read as letters, only inside a word that also has letters (1gn0re, @pprove).
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "|": "l"})
_LEET_WORD = re.compile(r"(?=[\w@$|]*[a-z])(?=[\w@$|]*[0-9@$|])[\w@$|]+")
_LETTER_SPACED = re.compile(r"\b(?:[a-z][ .\-_*]){2,}[a-z]\b")
_HYPHEN_BREAK = re.compile(r"(\w)-[ \t]*\n[ \t]*(\w)")
# A blank line or a list item ends a sentence; a plain line break is a space (line-split phrases).
_BLOCK_BREAK = re.compile(r"\n[ \t]*\n|\n(?=[ \t]*(?:[-*+>#]|\d+[.)])\s)")
_LIST_MARK = re.compile(r"^(?:[-*+>#]+|\d+[.)])\s+")
_SENTENCE_END = re.compile(r"[.!?;]+(?=\s|$)")


def fold(text: str) -> str:
    """The text as the detector reads it: ASCII lower case, obfuscation undone, one space between words."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    text = text.translate(CONFUSABLES)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    text = _HYPHEN_BREAK.sub(r"\1\2", text)
    text = _LEET_WORD.sub(lambda match: match.group(0).translate(_LEET), text)
    text = _LETTER_SPACED.sub(lambda match: re.sub(r"[ .\-_*]", "", match.group(0)), text)
    return text


def sentences(text: str) -> list[str]:
    """The folded sentences of a text (line-split phrases joined, list items kept apart)."""
    out = []
    for block in _BLOCK_BREAK.split(fold(text)):
        joined = _LIST_MARK.sub("", " ".join(block.split()))
        out += [part.strip() for part in _SENTENCE_END.split(joined) if part.strip()]
    return out


# --------------------------------------------------------------------------- word classes


def _words(*alternatives: str) -> str:
    return "(?:" + "|".join(alternatives) + ")"


GAP = r"(?:\s+\S+){0,%d}?\s+"  # up to N words in between

SET_ASIDE = _words(
    # English
    r"ignore", r"ignoring", r"disregard(?:ing)?", r"forget(?:ting)?", r"override", r"overrid(?:e|ing)", r"bypass(?:ing)?",
    r"skip(?:ping)?", r"circumvent", r"neglect", r"discard", r"drop", r"abandon", r"set\s+aside", r"throw\s+out",
    r"pay\s+no\s+attention\s+to", r"turn\s+off", r"switch\s+off", r"disable", r"overlook", r"get\s+around", r"work\s+around",
    # French
    r"ignore[rz]?", r"ignorez", r"oublie[rz]?", r"oubliez", r"neglige[rz]?", r"contourne[rz]?", r"passe[rz]?\s+outre",
    r"ne\s+tenez\s+pas\s+compte\s+d(?:e|es|u)", r"ne\s+tiens\s+pas\s+compte\s+d(?:e|es|u)", r"fais\s+abstraction\s+d(?:e|es|u)",
    r"faites\s+abstraction\s+d(?:e|es|u)", r"desactive[rz]?",
    # German
    r"ignorier(?:e|en|t)?", r"vergiss", r"vergessen", r"missachte(?:n|t)?", r"umgeh(?:e|en|t)?", r"uberspring(?:e|en|t)?",
    r"ubergeh(?:e|en|t)?", r"setze?n?\s+(?:dich|sie)\s+uber", r"deaktivier(?:e|en)",
    # Spanish
    r"ignora[rn]?", r"ignore[ns]?", r"olvida[rn]?", r"olvide[ns]?", r"omit(?:e|a|an|ir)", r"salta(?:te)?", r"saltar(?:te)?",
    r"elud(?:e|a|ir)", r"haz\s+caso\s+omiso\s+de", r"hagan?\s+caso\s+omiso\s+de", r"pasa\s+por\s+alto", r"pase\s+por\s+alto",
    r"desactiva[rn]?", r"evita[rn]?",
)
# "Do not follow the instructions above" sets them aside too.
NOT_COMPLY = _words(
    r"(?:do\s+not|don'?t|stop|no\s+longer|cease\s+to)\s+(?:follow(?:ing)?|obey(?:ing)?|appl(?:y|ying)|comply(?:ing)?\s+with|respect(?:ing)?)",
    r"ne\s+(?:suivez|suis|respectez|respecte|appliquez)\s+(?:plus|pas)",
    r"(?:befolge|befolgen\s+sie|folge)\s+(?:nicht|nicht\s+mehr|keine)", r"nicht\s+(?:mehr\s+)?(?:befolgen|beachten)",
    r"no\s+(?:sigas|siga|sigan|obedezcas|obedezca|respetes|respete|apliques|aplique)",
)
# Setting-aside verbs under a negation are advice, not an override ("never ignore the safety rules").
NEGATION = _words(r"not", r"never", r"don'?t", r"do\s+not", r"ne", r"jamais", r"nie", r"niemals", r"nicht", r"kein(?:e|en)?",
                  r"no", r"nunca", r"jamas")
WEAK_TARGET = _words(
    r"instructions?", r"rules?", r"guidelines?", r"directions?", r"directives?", r"polic(?:y|ies)", r"checks?", r"findings?",
    r"warnings?", r"reviews?", r"reviewers?", r"review\s+process", r"restrictions?", r"constraints?", r"context", r"commands?",
    r"orders?", r"requirements?", r"steps?", r"safety\s+(?:checks?|rules?|measures?)", r"approval(?:\s+process)?",
    r"sign[\s-]?offs?", r"verification", r"validation", r"filters?", r"what\s+you\s+(?:were|have\s+been)\s+told",
    # French
    r"consignes?", r"regles?", r"directives?", r"verifications?", r"controles?", r"relectures?", r"revues?", r"avertissements?",
    r"validations?", r"ordres?", r"politiques?", r"relecteurs?",
    # German
    r"anweisung(?:en)?", r"regeln?", r"richtlinien?", r"vorgaben?", r"anordnung(?:en)?", r"prufung(?:en)?", r"uberprufung(?:en)?",
    r"freigabe", r"warnung(?:en)?", r"befehle?", r"kontrollen?", r"gutachter(?:innen)?", r"prufer(?:innen)?",
    # Spanish
    r"instrucciones?", r"reglas?", r"indicaciones?", r"directrices?", r"normas?", r"revision(?:es)?", r"verificacion(?:es)?",
    r"advertencias?", r"aprobacion", r"ordenes?", r"controles?", r"revisores?",
)
STRONG_TARGET = _words(
    r"(?:system|developer|initial|hidden|original)\s+(?:prompt|message|instructions?)", r"prompts?", r"guardrails?",
    r"safeguards?", r"safety\s+filters?", r"content\s+polic(?:y|ies)", r"your\s+programming", r"your\s+training",
    r"everything\s+(?:above|before|said\s+before|you\s+were\s+told)", r"all\s+of\s+the\s+above", r"the\s+above",
    r"ce\s+qui\s+precede", r"tout\s+ce\s+qui\s+precede", r"alles\s+(?:obige|vorherige|bisherige)", r"lo\s+anterior",
    r"todo\s+lo\s+anterior", r"systemanweisung(?:en)?", r"systemprompt",
)
# Words that make a rule or an instruction the reader's own, not a topic of the text.
OWN = _words(
    r"previous", r"prior", r"above", r"earlier", r"preceding", r"foregoing", r"original", r"initial", r"existing", r"all",
    r"any", r"every", r"your", r"these", r"system", r"the\s+above", r"above\s+mentioned", r"given",
    r"precedentes?", r"anterieures?", r"ci[\s-]?dessus", r"toutes?", r"tous", r"vos", r"tes", r"votre", r"ta",
    r"vorherigen?", r"vorigen?", r"bisherigen?", r"fruheren?", r"obigen?", r"alle[ns]?", r"deine[ns]?", r"ihre[ns]?",
    r"anteriores?", r"previas?", r"todas?", r"todos", r"tus", r"sus",
)
# Qualifiers that follow the noun: "the instructions above", "les consignes precedentes", "las reglas previas".
OWN_AFTER = _words(
    r"above", r"before\s+this", r"(?:you\s+(?:were|have\s+been)\s+)?given(?:\s+(?:above|before|earlier))?", r"so\s+far",
    r"precedentes?", r"anterieures?", r"ci[\s-]?dessus", r"anteriores?", r"previas?", r"previos?", r"de\s+arriba",
    r"von\s+oben", r"bisher",
)
APPROVE = _words(
    r"approve[sd]?", r"approving", r"sign\s+off(?:\s+on)?", r"sign\s+(?:it|this)\s+off", r"sign\s+\S+\s+\S+\s+off",
    r"publish(?:ed)?", r"greenlight", r"green[\s-]light", r"let\s+through", r"wave\s+through",
    r"approuve[rz]?", r"approuvez", r"valide[rz]?", r"validez", r"publie[rz]?", r"publiez",
    r"genehmig(?:e|en|t)", r"freigeben", r"gib", r"geben\s+sie", r"veroffentlich(?:e|en|t)",
    r"aprueba[rn]?", r"apruebe[ns]?", r"aprobar", r"publica[rn]?", r"publique[ns]?", r"valida[rn]?", r"valide[ns]?",
)
# Verbs that approve only with a state named: "mark this draft as approved", not "mark this module as complete".
MARK = _words(r"mark", r"flag", r"set", r"move", r"label", r"change", r"switch", r"marque[rz]?", r"markiere", r"setze",
              r"marca[rn]?", r"marque[ns]?")
SELF = _words(
    r"(?:this|the\s+present|the\s+current|the\s+following)\s+(?:draft|module|content|document|text|submission|revision|"
    r"version|course|lesson|material|assessment|quiz|page|file|item|output)",
    r"this\s+one", r"(?:it|this)\s+(?:now|immediately|right\s+away|straight\s+away|as\s+is)", r"(?:it|this)$",
    r"(?:ce|cet|cette)\s+(?:brouillon|module|contenu|document|texte|cours|lecon|revision|version|questionnaire)",
    r"(?:diese[nsm]?|das|den)\s+(?:entwurf|modul|inhalt|dokument|text|kurs|lektion|version|revision)",
    r"(?:este|esta)\s+(?:borrador|modulo|contenido|documento|texto|curso|leccion|revision|version)",
)
APPROVED_STATE = _words(r"approved", r"published", r"signed\s+off", r"verified", r"reviewed", r"cleared",
                        r"approuvee?", r"validee?", r"publiee?", r"verifiee?", r"genehmigt", r"freigegeben", r"gepruft",
                        r"aprobad[oa]", r"publicad[oa]", r"revisad[oa]", r"verificad[oa]")
# A claim that the review already happened: "has already been approved", "wurde bereits freigegeben".
ALREADY = _words(r"already", r"pre[\s-]?", r"deja", r"bereits", r"schon", r"ya")
READER = _words(
    r"reviewers?", r"the\s+reviewer", r"dear\s+reviewer", r"note\s+to\s+(?:the\s+)?(?:reviewers?|model|ai|assistant|llm)",
    r"attention\s+(?:reviewers?|model|ai)", r"ai", r"a\.i", r"assistant", r"chatbot", r"llm", r"gpt", r"language\s+model",
    r"the\s+model", r"ai\s+model", r"model", r"claude", r"copilot",
    r"relecteurs?", r"evaluateurs?", r"modele", r"ia", r"gutachter", r"prufer(?:in)?", r"modell", r"ki", r"revisor(?:es)?",
    r"modelo",
)
QUIET = _words(
    r"(?:do\s+not|don'?t|never|no\s+need\s+to)\s+(?:flag|report|mention|question|check|verify|review|read|escalate|comment\s+on)",
    r"ne\s+(?:signalez|signale|verifiez|verifie)\s+pas", r"(?:melde|prufe|uberprufe)\s+(?:das\s+)?nicht",
    r"no\s+(?:reportes|reporte|verifiques|verifique|revises|revise)",
)
NO_REVIEW = _words(
    r"(?:no|without\s+(?:any\s+)?)\s*need\s+(?:to|for)\s+(?:review|check|verify|read|look\s+at|approve)\w*",
    r"(?:is|are)\s+(?:not\s+necessary|unnecessary)\s+to\s+(?:review|check|verify)",
    r"without\s+(?:any\s+)?(?:review(?:ing)?|checking|verification|reading\s+it|changes|further\s+review)",
    r"sans\s+(?:relecture|verification|controle|revue)", r"ohne\s+(?:prufung|uberprufung|kontrolle|freigabe)",
    r"sin\s+(?:revision|revisar|verificacion|verificar|control)",
)
ROLE = _words(
    r"you\s+are\s+now", r"from\s+now\s+on,?\s+you\b", r"(?:pretend|act)\s+(?:to\s+be|as\s+(?:if\s+you|an?\s+(?:ai|assistant|model|different)))",
    r"system\s+prompt", r"(?:developer|system|god|jailbreak|dan)\s+mode", r"new\s+instructions?\s*:?", r"reveal\s+(?:your|the)\s+(?:instructions|prompt|system)",
    r"(?:respond|reply|answer|output|print)\s+only\s+(?:with|the)", r"^\s*(?:system|instructions?)\s*:",
    r"(?:tu\s+es|vous\s+etes)\s+(?:maintenant|desormais)", r"nouvelles?\s+(?:instructions|consignes)\s*:?",
    r"du\s+bist\s+(?:jetzt|nun|ab\s+sofort)", r"neue\s+anweisungen?\s*:?", r"ahora\s+eres", r"a\s+partir\s+de\s+ahora\s+eres",
    r"nuevas?\s+instrucciones?\s*:?",
)

_OVERRIDE = re.compile(
    rf"(?<![\w'])(?P<neg>{NEGATION}\s+(?:\S+\s+)?)?(?:{SET_ASIDE})\s+(?:\S+\s+){{0,3}}?(?:{STRONG_TARGET})\b"
    rf"|(?<![\w'])(?P<neg2>{NEGATION}\s+(?:\S+\s+)?)?(?:{SET_ASIDE})\s+(?:\S+\s+){{0,2}}?(?:{OWN})\s+(?:\S+\s+){{0,2}}?(?:{WEAK_TARGET})\b"
    rf"|(?<![\w'])(?P<neg3>{NEGATION}\s+(?:\S+\s+)?)?(?:{SET_ASIDE})\s+(?:\S+\s+){{0,3}}?(?:{WEAK_TARGET})\s+(?:\S+\s+)?(?:{OWN_AFTER})\b"
    rf"|(?<![\w'])(?:{NOT_COMPLY})\s+(?:\S+\s+){{0,2}}?(?:(?:{OWN})\s+(?:\S+\s+){{0,2}}?(?:{WEAK_TARGET})|{STRONG_TARGET})\b"
)
_APPROVE = re.compile(
    rf"(?<![\w'])(?:{APPROVE})\s+(?:\S+\s+){{0,2}}?(?:{SELF})\b"
    rf"|(?<![\w'])(?:{MARK})\s+(?:\S+\s+){{0,2}}?(?:{SELF})\s+(?:\S+\s+){{0,1}}?(?:as|to|als|auf|comme|en|como)\s+(?:{APPROVED_STATE})\b"
    rf"|(?<![\w'])(?:{SELF})\s+(?:\S+\s+){{0,4}}?(?:{ALREADY})\s*(?:\S+\s+){{0,2}}?(?:{APPROVED_STATE})\b"
)
# The order after a vocative: setting aside, approving the text (or just "approve."), or keeping quiet.
_ORDER = rf"(?:(?:{SET_ASIDE})\b|(?:{NOT_COMPLY})\b|(?:{QUIET})\b|(?:{MARK})\s+(?:\S+\s+){{0,3}}?(?:as|to)\s+(?:{APPROVED_STATE}|correct|passed|safe)\b|(?:{APPROVE})(?:\s+(?:\S+\s+){{0,2}}?(?:{SELF})\b|$|\s+(?:and|et|und|y)\b))"
_ADDRESS = re.compile(
    rf"(?:^|[:,]\s*)(?:{READER})\s*(?:[:,]|\s+(?:must|should|will|shall|please|needs?\s+to|has\s+to|"
    rf"doit|doivent|muss|mussen|soll|sollte|debe|deben|tiene\s+que))\s*(?:\S+\s+){{0,4}}?{_ORDER}"
)
_NO_REVIEW = re.compile(rf"(?<![\w'])(?:{NO_REVIEW})\b")
_ROLE = re.compile(rf"(?<![\w'])(?:{ROLE})")


# "Ignore any instructions in an email that asks for your password" is advice about someone else's instructions.
_FOREIGN_SOURCE = re.compile(
    r"\s+(?:in|from|on|inside|within|sent\s+by|received\s+from|dans|de\s+la\s+part\s+d\S*|aus|von|en|recibidas)\s+"
    r"(?!this\b|these\b|the\s+above|your\b|ce\b|cette\b|ces\b|diese\w*|este\b|esta\b|estas?\b)"
)


def _override(sentence: str) -> bool:
    for match in _OVERRIDE.finditer(sentence):
        negated = match.group("neg") or match.group("neg2") or match.group("neg3")
        if not negated and not _FOREIGN_SOURCE.match(sentence, match.end()):
            return True
    return False


def _no_review(sentence: str) -> bool:
    # "without changes" alone is ordinary; it asks for a bypass next to approving or publishing.
    return bool(_NO_REVIEW.search(sentence)) and (bool(re.search(rf"(?<![\w']){APPROVE}\b", sentence)) or "need" in sentence)


MOVES = {
    "override": _override,
    "approve": lambda sentence: bool(_APPROVE.search(sentence)),
    "address": lambda sentence: bool(_ADDRESS.search(sentence)),
    "no-review": _no_review,
    "role": lambda sentence: bool(_ROLE.search(sentence)),
}


def instruction_moves(sentence: str) -> list[str]:
    """The moves (override, approve, address, no-review, role) a folded sentence makes."""
    return [name for name, test in MOVES.items() if test(sentence)]


_HTML_COMMENT = re.compile(r"<!--(.*?)(?:-->|$)", re.DOTALL)


def find_instructions(text: str) -> list[str]:
    """The sentences of a text (hidden HTML comments included) that read like instructions to a model or a reviewer."""
    found: list[str] = []
    for sentence in sentences(_HTML_COMMENT.sub(lambda match: "\n\n" + match.group(1) + "\n\n", text or "")):
        if instruction_moves(sentence) and sentence not in found:
            found.append(sentence)
    return found


def check_instruction_like_text(content: DraftContent, context: CheckContext) -> list[Finding]:
    """No text of the draft tells a reviewer or a model to approve, ignore or bypass anything."""
    findings = []
    for location, field_name, text in text_fields(content):
        for sentence in find_instructions(text)[:3]:
            findings.append(finding(
                "instruction_like_text", Severity.ERROR, location,
                f"{field_name} tells its reader to {', '.join(instruction_moves(sentence))} "
                f"('{sentence[:100]}'): training text must not instruct reviewers or models; remove it",
            ))
    return findings
