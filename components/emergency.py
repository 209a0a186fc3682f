"""The emergency net as an NLU component: a message that matches it gets the intent ``emergency``.

It sits after the intent classifier and before the FallbackClassifier, so whatever the classifier
thought, a message about danger to life, violence or an acute medical need goes to ``action_emergency``
(112 and 110 first). The patterns come from ``data/emergency.yml`` at training time and are stored in
the model as plain JSON; ``parse_data["emergency"]`` says which kind matched.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.emergency import DEFAULT_FILE, EMERGENCY_INTENT, Net, load_net

EMERGENCY_KIND = "emergency"
NET_FILE_NAME = "emergency_net.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class EmergencyDetector(GraphComponent):
    """Overrides the intent with ``emergency`` when the keyword net of any language matches."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"file": str(DEFAULT_FILE)}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, net: Net) -> None:
        self.component_config = config
        self._model_storage = model_storage
        self._resource = resource
        self.net = net

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> EmergencyDetector:  # fmt: skip
        return cls(config, model_storage, resource, Net((), ()))

    def train(self, training_data: TrainingData) -> Resource:
        self.net = load_net(Path(self.component_config["file"]))
        with self._model_storage.write_to(self._resource) as directory:
            (directory / NET_FILE_NAME).write_text(json.dumps(self.net.to_dict(), ensure_ascii=False), "utf-8")
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> EmergencyDetector:  # fmt: skip
        with model_storage.read_from(resource) as directory:
            net = Net.from_dict(json.loads((directory / NET_FILE_NAME).read_text("utf-8")))
        return cls(config, model_storage, resource, net)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = str(message.get(TEXT) or "")
            kind = self.net.kind_of(text) if not text.startswith("/") else None
            if kind is None:
                continue
            message.set(INTENT, {"name": EMERGENCY_INTENT, "confidence": 1.0}, add_to_output=True)
            ranking = [r for r in message.get("intent_ranking") or [] if r.get("name") != EMERGENCY_INTENT]
            message.set("intent_ranking", [{"name": EMERGENCY_INTENT, "confidence": 1.0}, *ranking[:9]],
                        add_to_output=True)  # fmt: skip
            message.set(EMERGENCY_KIND, kind, add_to_output=True)
        return messages
