"""What every platform's channel shares: one handling per platform message, and the apology when a turn fails."""
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import PlatformMessage

SORRY = {
    "zh": "抱歉,系统暂时无法处理您的消息,请稍后再试。如有紧急情况请直接拨打 12345。",
    "en": "Sorry, I cannot handle your message right now; please try again later. If urgent, call 12345.",
}


def claim(engine: Engine, platform: str, message_id: str) -> bool:
    """Record the message in the channel store; False when some process (or an earlier life) had it:
    the platform retried it."""
    try:
        with Session(engine, future=True) as session, session.begin():
            session.add(PlatformMessage(platform=platform, message_id=message_id))
    except IntegrityError:
        return False
    return True
