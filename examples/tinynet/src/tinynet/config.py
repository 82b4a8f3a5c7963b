from dataclasses import dataclass, field


@dataclass
class Config:
    vocab_size: int = 16
    hidden: int = 8
    labels: list = field(default_factory=lambda: ["negative", "positive"])
    seed: int = 0
