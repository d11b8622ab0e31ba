"""Peak resident memory of this process and its children (worker processes), sampled."""

from __future__ import annotations

import gc
import threading
import time

import psutil


class PeakRSS:
    """Peak resident memory, this process plus its live descendants, above the level at entry."""

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.process = psutil.Process()

    def rss(self) -> int:
        total = self.process.memory_info().rss
        for child in self.process.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:  # it ended between listing and reading
                pass
        return total

    def __enter__(self):
        gc.collect()
        self.start = self.peak = self.rss()
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, self.rss())
            time.sleep(self.interval)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, self.rss())

    @property
    def gib(self) -> float:
        return (self.peak - self.start) / 2**30
