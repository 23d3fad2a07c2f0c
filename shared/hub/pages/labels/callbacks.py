"""Labels of the callbacks to return."""

LABELS: dict[str, dict[str, str]] = {
    "ru": {
        "open_callbacks": "Нужно перезвонить",
        "missed_times": "Пропущено",
        "no_callbacks": "Все перезвонили",
        "mark_done": "Перезвонил",
        "who": "Кто это?",
    },
    "en": {
        "open_callbacks": "To call back",
        "missed_times": "Missed",
        "no_callbacks": "Nobody is waiting",
        "mark_done": "Called back",
        "who": "Who is it?",
    },
    "uk": {
        "open_callbacks": "Треба передзвонити",
        "missed_times": "Пропущено",
        "no_callbacks": "Усім передзвонили",
        "mark_done": "Передзвонив",
        "who": "Хто це?",
    },
}
