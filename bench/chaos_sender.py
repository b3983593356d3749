"""The SMS sender the chaos run's workers use (TIAOJIE_MESSAGE_SENDER=
bench.chaos_sender.RecordingSender): it appends each message id it "sends" to the file named
by CHAOS_SEND_LOG, so a message sent twice is seen. Kept apart from the run's modules so a
worker imports nothing else of it."""

import os
import time


class RecordingSender:
    """The SMS gateway of the chaos run: takes a few milliseconds (like a real gateway
    call) and appends the message id to CHAOS_SEND_LOG."""

    def send(self, message) -> None:
        time.sleep(float(os.environ.get("CHAOS_SEND_SECONDS", "0.005")))
        with open(os.environ["CHAOS_SEND_LOG"], "a", encoding="ascii") as log:
            log.write(f"{message.pk}\n")
