"""Labels of calls wherever they are listed: direction, status, the robot"s answer."""

LABELS: dict[str, dict[str, str]] = {
    "ru": {
        "calls": "Звонки",
        "no_calls": "Звонков пока нет",
        "robot_answer": "Ответ роботу",
        "inbound": "входящий",
        "outbound": "исходящий",
        "internal": "внутренний",
        "answered": "отвечен",
        "missed": "пропущен",
        "no_answer": "без ответа",
        "in_progress": "идёт",
    },
    "en": {
        "calls": "Calls",
        "no_calls": "No calls yet",
        "robot_answer": "Answer to the robot",
        "inbound": "inbound",
        "outbound": "outbound",
        "internal": "internal",
        "answered": "answered",
        "missed": "missed",
        "no_answer": "no answer",
        "in_progress": "in progress",
    },
}
