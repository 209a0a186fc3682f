"""Training data from the staff's FAQ files: ``data/faq/<id>.yml`` examples become ``faq/<id>`` examples.

Rasa's own file importer reads ``data/nlu/`` and the rules; this one adds the example questions of every
FAQ entry (each in its language, ``metadata.language`` like the NLU files), so adding an FAQ entry is one
file change and ``make train`` picks it up. A broken FAQ file stops training with the file and line.
"""

from __future__ import annotations

from pathlib import Path

from rasa.shared.importers.rasa import RasaFileImporter
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.catalogue import CatalogueError
from actions.faq import DEFAULT_DIRECTORY, read_faq


class StadtlotseImporter(RasaFileImporter):
    """Rasa's file importer plus the FAQ entries' example questions."""

    faq_directory: Path = DEFAULT_DIRECTORY

    def get_nlu_data(self, language: str | None = "en") -> TrainingData:
        data = super().get_nlu_data(language)
        entries, examples, problems = read_faq(self.faq_directory)
        if problems:
            raise CatalogueError(problems)
        messages = [
            Message.build(item.text, intent=entries[item.entry].intent_key,
                          example_metadata={"language": item.language})
            for item in examples
        ]  # fmt: skip
        return data.merge(TrainingData(training_examples=messages))
