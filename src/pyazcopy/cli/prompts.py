"""What the CLI asks the person at the terminal: the overwrite question of `copy --overwrite=prompt` (text, or a JSON
Prompt message) and the device-code sign-in instruction."""

from __future__ import annotations

import json

from pyazcopy.cli.environment import Environment
from pyazcopy.cli.output import Output


def device_prompt(output: Output):
    def prompt(verification_uri: str, user_code: str, expires_on) -> None:
        output.info(
            f"Authentication is required. To sign in, open the webpage {verification_uri or 'https://aka.ms/devicelogin'} "
            f"and enter the code {user_code} to authenticate."
        )

    return prompt


def overwrite_prompt(output: Output, environment: Environment):
    def ask(path: str) -> str:
        if output.json:
            output.message("Prompt", json.dumps({"PromptType": "Overwrite", "PromptTarget": path,
                                                 "ResponseOptions": ["Yes", "No", "Yes for all", "No for all"]}))
        else:
            environment.stdout.write(f"\n{path} already exists. Do you want to overwrite it? [Y] Yes  [N] No  [A] Yes for all  [L] No for all: ")
            environment.stdout.flush()
        answer = (environment.stdin.readline() or "n").strip().lower()
        return {"y": "yes", "yes": "yes", "a": "all", "l": "none"}.get(answer, "no")

    return ask


def delete_prompt(output: Output, environment: Environment, object_type: str, location: str):
    """`sync --delete-destination=prompt`: AzCopy's question for one extra destination object (syncProcessor.go)."""
    def ask(name: str) -> str:
        question = f"The {object_type} '{name}' does not exist at the source. Do you wish to delete it from the destination({location})?"
        if output.json:
            output.message("Prompt", json.dumps({"PromptType": "DeleteDestination", "PromptTarget": name, "Question": question,
                                                 "ResponseOptions": ["Yes", "No", "Yes for all", "No for all"]}))
        else:
            environment.stdout.write(f"\n{question} [Y] Yes  [N] No  [A] Yes for all  [L] No for all: ")
            environment.stdout.flush()
        answer = (environment.stdin.readline() or "n").strip().lower()
        return {"y": "yes", "yes": "yes", "a": "all", "l": "none"}.get(answer, "no")

    return ask
