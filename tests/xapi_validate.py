"""Validate xAPI statements with ralph's pydantic models; run with the Python of ralph's own venv.

Reads a JSON list of statements on stdin and prints a JSON list of errors (empty when all are valid).
Every statement must be a valid ralph `BaseXapiStatement`; where ralph models a verb (initialized,
answered, completed, terminated) the verb must validate against that model too, and an interaction
activity's definition against ralph's interaction-definition model.
"""

import json
import sys

from pydantic import ValidationError
from ralph.models.xapi.base.statements import BaseXapiStatement
from ralph.models.xapi.base.unnested_objects import BaseXapiActivityInteractionDefinition
from ralph.models.xapi.concepts.verbs.adl_vocabulary import AnsweredVerb
from ralph.models.xapi.concepts.verbs.scorm_profile import CompletedVerb, InitializedVerb, TerminatedVerb

VERB_MODELS = {model.model_fields["id"].default: model for model in (AnsweredVerb, CompletedVerb, InitializedVerb, TerminatedVerb)}
INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"


def problems(statement: dict) -> list[str]:
    """What is wrong with one statement according to ralph's models."""
    found = []
    try:
        BaseXapiStatement.model_validate(statement)
    except ValidationError as error:
        found.append(str(error))
    verb_model = VERB_MODELS.get(statement.get("verb", {}).get("id"))
    if verb_model is not None:
        try:
            verb_model.model_validate(statement["verb"])
        except ValidationError as error:
            found.append(str(error))
    definition = statement.get("object", {}).get("definition", {})
    if definition.get("type") == INTERACTION:
        try:
            BaseXapiActivityInteractionDefinition.model_validate(definition)
        except ValidationError as error:
            found.append(str(error))
    return found


def main() -> None:
    """Validate stdin, print the errors."""
    errors = []
    for statement in json.load(sys.stdin):
        errors.extend(f"{statement.get('id')}: {problem}" for problem in problems(statement))
    json.dump(errors, sys.stdout)


if __name__ == "__main__":
    main()
