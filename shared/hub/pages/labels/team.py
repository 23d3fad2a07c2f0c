"""Labels of the team page: employees, presence, who is on a call now, the PBX's state."""

LABELS: dict[str, dict[str, str]] = {
    "ru": {
        "team": "Команда",
        "team_people": "Сотрудники",
        "team_empty": "Сотрудников пока нет",
        "team_ext": "доб. {0}",
        "team_no_ext": "без добавочного",
        "team_you": "это вы",
        "team_presence_unknown": "АТС не сообщала",
        "team_presence_note": (
            "«Отошёл» и «На месте» ставятся на телефоне или в АТС: она по ним и распределяет звонки."
        ),
        "team_on_call": "На линии",
        "team_on_call_now": "Сейчас на линии: {0}",
        "team_reload": "Обновить",
        "team_talking": "Разговор:",
        "team_ringing": "Вызов:",
        "team_hidden_number": "номер скрыт",
        "team_since": "с {0}",
        "team_other_calls": "Другие звонки на АТС",
        "team_pbx_not_connected": "АТС не подключена: кто сейчас на линии, здесь не видно.",
        "team_pbx_unavailable": (
            "АТС сейчас не ответила: кто на линии, не видно. Обновите страницу чуть позже."
        ),
    },
    "en": {
        "team": "Team",
        "team_people": "Employees",
        "team_empty": "No employees yet",
        "team_ext": "ext. {0}",
        "team_no_ext": "no extension",
        "team_you": "you",
        "team_presence_unknown": "not reported by the PBX",
        "team_presence_note": (
            "Away and Available are set on the phone or in the PBX, which routes calls by them."
        ),
        "team_on_call": "On a call",
        "team_on_call_now": "On a call now: {0}",
        "team_reload": "Reload",
        "team_talking": "Talking:",
        "team_ringing": "Ringing:",
        "team_hidden_number": "hidden number",
        "team_since": "since {0}",
        "team_other_calls": "Other calls on the PBX",
        "team_pbx_not_connected": "The PBX is not connected: who is on a call is not shown here.",
        "team_pbx_unavailable": (
            "The PBX did not answer just now: who is on a call is not shown. Reload the page in a moment."
        ),
    },
    "uk": {
        "team": "Команда",
        "team_people": "Співробітники",
        "team_empty": "Співробітників поки немає",
        "team_ext": "дод. {0}",
        "team_no_ext": "без додаткового",
        "team_you": "це ви",
        "team_presence_unknown": "АТС не повідомляла",
        "team_presence_note": (
            "«Відійшов» і «На місці» ставляться на телефоні або в АТС: за ними вона й розподіляє дзвінки."
        ),
        "team_on_call": "На лінії",
        "team_on_call_now": "Зараз на лінії: {0}",
        "team_reload": "Оновити",
        "team_talking": "Розмова:",
        "team_ringing": "Виклик:",
        "team_hidden_number": "номер приховано",
        "team_since": "з {0}",
        "team_other_calls": "Інші дзвінки на АТС",
        "team_pbx_not_connected": "АТС не підключена: хто зараз на лінії, тут не видно.",
        "team_pbx_unavailable": (
            "АТС зараз не відповіла: хто на лінії, не видно. Оновіть сторінку трохи згодом."
        ),
    },
}
