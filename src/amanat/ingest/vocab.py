"""The words an import understands without being told: column headers and cell values.

Lists arrive with headers in Kazakh, Russian, Chinese or English, and with values
such as "ер" / "әйел", "лагерде" or "哈萨克族". ``HEADER_WORDS`` is what a suggested
mapping guesses columns from; ``VALUE_WORDS`` turns common spellings into Amanat's
vocabularies (``amanat.records.changes``). A mapping's own ``values:`` section adds to
these and wins where both name the same word. Matching folds case, width and
punctuation (``fold``), so "Ф.И.О." matches "ф и о" and "ЖЫНЫСЫ" matches "жынысы".

The words were collected from lists volunteer groups published and from the forms in
docs/INTAKE; they are a starting point that a reviewer corrects in the mapping, never a
silent decision: an unknown value rejects the row and names the word to add.
"""

from __future__ import annotations

from amanat.records.mapping_file import fold

__all__ = ["FIELD_LABELS", "HEADER_WORDS", "NAME_PARTS", "NO_VALUE", "VALUE_WORDS", "fold"]


def N_(message: str) -> str:
    """Marks a message for the catalogues (``scripts/i18n.py``); translated when said."""
    return message


# Cells that say "not known" in so many words: read as an empty cell in every field, so
# that "неизвестно" in a status column is not taken for a status.
NO_VALUE = frozenset(
    fold(w)
    for w in ("unknown", "n/a", "неизвестно", "не известно", "нет данных", "н/д", "белгісіз",
              "мәлімет жоқ", "不详", "未知")
) | {"", "-", "—", "?"}  # fmt: skip

# What each field of a mapping means, for the suggested mapping's comments (said in the
# language of the person who runs the import: ``suggest_mapping``'s voice).
FIELD_LABELS = {
    "name_latin": N_("the person's name in Latin letters"),
    "name_native": N_("the person's name in Kazakh/Uyghur/Russian script"),
    "name_chinese": N_("the person's name in Chinese characters (as on the PRC ID)"),
    "sex": N_("male or female (see values: sex)"),
    "birth": N_("birth date (12.04.1980, 1980-04, 1980) or an age (see options: ages_as_of)"),
    "ethnicity": N_("Kazakh, Uyghur, Kyrgyz, … (see values: ethnicity)"),
    "citizenship": N_("a country (see values: citizenship)"),
    "occupation": N_("occupation or job"),
    "resident_id": N_("PRC resident ID number (18 characters, checked)"),
    "iin": N_("Kazakhstan IIN (12 digits, checked)"),
    "passport": N_("passport number (country from options: passport_country)"),
    "hometown": N_("Xinjiang county or prefecture: name or six-digit code"),
    "status": N_("current status (see values: status)"),
    "status_date": N_("the date the status is known for"),
    "status_place": N_("where the person is held now"),
    "detained_date": N_("the date the person was detained"),
    "camp": N_("the camp, prison or detention centre"),
    "sentence_term": N_("the sentence, as written (e.g. 10 years)"),
    "charge": N_("the charge, as written"),
    "responsible": N_(
        "who detained the person: police, state security, … (see values: responsible)"
    ),
    "testifier_name": N_("who reported the case"),
    "relationship": N_("what the reporter is to the person (see values: relationship)"),
    "notes": N_("anything else (kept with the status)"),
}

HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "name_latin": (
        "name latin", "latin name", "name in latin", "full name latin", "name en",
        "фио латиницей", "фио латиница", "имя латиницей", "аты жөні латынша", "латынша аты",
        "name", "full name",
    ),
    "name_native": (
        "аты жөні", "толық аты жөні", "аты жөнi", "фио", "ф и о", "имя и фамилия",
        "фамилия имя отчество", "фамилия и имя", "name native", "name kazakh",
        "name in kazakh", "полное имя", "есімі", "name cyrillic",
    ),
    "name_chinese": (
        "name chinese", "chinese name", "name in chinese", "姓名", "中文名", "中文姓名",
        "汉字姓名", "имя по китайски", "китайское имя", "қытайша аты", "қытайша аты жөні",
    ),
    "sex": ("sex", "gender", "пол", "жынысы", "жыныс", "性别"),
    "birth": (
        "birth", "date of birth", "birth date", "born", "dob", "year of birth", "age",
        "дата рождения", "год рождения", "возраст", "туған күні", "туған жылы",
        "туылған жылы", "туылған күні", "жасы", "出生日期", "出生年月", "年龄",
    ),
    "ethnicity": ("ethnicity", "ethnic group", "национальность", "ұлты", "民族"),
    "citizenship": ("citizenship", "гражданство", "азаматтығы", "国籍"),
    "occupation": (
        "occupation", "job", "profession", "профессия", "род занятий", "работа", "кәсібі",
        "мамандығы", "жұмысы", "职业",
    ),
    "resident_id": (
        "id", "id number", "resident id", "prc id", "chinese id", "id card",
        "身份证号", "身份证号码", "公民身份号码", "身份证", "номер удостоверения",
        "удостоверение личности", "номер id", "id номер", "китайский id",
        "жеке куәлік нөмірі", "жеке куәлік", "id нөмірі", "куәлік нөмірі",
    ),
    "iin": ("iin", "иин", "жсн", "kz iin"),
    "passport": (
        "passport", "passport number", "паспорт", "номер паспорта", "паспорт нөмірі",
        "төлқұжат", "төлқұжат нөмірі", "护照号", "护照号码",
    ),
    "hometown": (
        "hometown", "county", "home county", "place of origin", "уезд", "аудан", "ауданы",
        "туған жері", "родина", "откуда", "место проживания", "мекенжайы", "тұрғылықты жері",
        "县", "籍贯", "户籍地", "户籍所在地",
    ),
    "status": (
        "status", "current status", "статус", "текущий статус", "состояние", "положение",
        "жағдайы", "қазіргі жағдайы", "мәртебесі", "现状", "状态",
    ),
    "status_date": (
        "status date", "as of", "date of status", "дата статуса", "на дату",
        "жағдай күні", "状态日期",
    ),
    "status_place": (
        "status place", "place", "where held", "место содержания", "где содержится",
        "қайда ұсталуда", "орны", "关押地点",
    ),
    "detained_date": (
        "detained", "date detained", "detention date", "date of detention", "arrest date",
        "date of arrest", "дата задержания", "дата ареста", "когда задержан",
        "ұсталған күні", "қамалған күні", "ұсталған уақыты", "拘留日期", "被拘留日期",
    ),
    "camp": (
        "camp", "prison", "лагерь", "тюрьма", "лагерь тюрьма", "лагері", "лагерь атауы",
        "түрме", "教培中心", "监狱",
    ),
    "sentence_term": (
        "sentence", "term", "срок", "приговор", "срок заключения", "мерзімі",
        "жаза мерзімі", "үкім", "刑期",
    ),
    "charge": ("charge", "charges", "обвинение", "статья", "айып", "айыптау", "罪名"),
    "responsible": (
        "responsible", "detained by", "who detained", "perpetrator", "кем задержан",
        "кем задержана", "кто задержал", "кем арестован", "кім ұстады", "кім ұстаған",
        "ұстаған орган", "抓捕单位",
    ),
    "testifier_name": (
        "testifier", "reported by", "applicant", "relative name", "заявитель",
        "кто обратился", "өтініш беруші", "арыз беруші", "хабарлаушы",
    ),
    "relationship": (
        "relationship", "relation", "кем приходится", "родство", "туыстығы",
        "туыстық қатынасы", "кімі болады",
    ),
    "notes": (
        "notes", "note", "comment", "comments", "remarks", "примечание", "примечания",
        "комментарий", "ескерту", "ескертпе", "түсініктеме", "备注",
    ),
}  # fmt: skip

# Names split over several columns: joined, in this order, into one name field.
NAME_PARTS = (
    ("тегі", "фамилия", "surname", "last name", "family name", "姓"),
    ("аты", "имя", "given name", "first name", "名"),
    ("әкесінің аты", "отчество", "patronymic", "father s name"),
)

VALUE_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "responsible": {
        "police": ("police", "полиция", "милиция", "полицейские", "полиция қызметкерлері",
                   "полицейлер", "公安", "警察", "派出所"),
        "state_security": ("state security", "госбезопасность", "мгб", "гб",
                           "ұлттық қауіпсіздік", "国安", "国家安全"),
        "local_officials": ("village officials", "local officials", "cadres",
                            "сельские чиновники", "местные чиновники", "ауыл әкімі",
                            "ауыл шенеуніктері", "村干部", "社区干部"),
        "court": ("court", "суд", "сот", "法院"),
        "border_guards": ("border guards", "border", "пограничники", "погранслужба",
                          "шекарашылар", "边防", "边检"),
    },
    "sex": {
        "male": ("m", "male", "man", "м", "муж", "мужской", "мужчина", "ер", "еркек", "er",
                 "erkek", "男"),
        "female": ("f", "female", "woman", "ж", "жен", "женский", "женщина", "ә", "әйел",
                   "айел", "áiel", "ayel", "女"),
    },
    "ethnicity": {
        "kazakh": ("kazakh", "qazaq", "казах", "казашка", "казахи", "қазақ", "哈萨克", "哈萨克族"),
        "uyghur": ("uyghur", "uighur", "уйгур", "уйгурка", "ұйғыр", "维吾尔", "维吾尔族"),
        "kyrgyz": ("kyrgyz", "киргиз", "киргизка", "қырғыз", "柯尔克孜", "柯尔克孜族"),
        "hui": ("hui", "дунган", "дунганка", "дүнген", "хуэй", "回", "回族"),
        "uzbek": ("uzbek", "узбек", "узбечка", "өзбек", "乌孜别克族"),
        "tatar": ("tatar", "татар", "татарка", "塔塔尔族"),
        "tajik": ("tajik", "таджик", "таджичка", "тәжік", "塔吉克族"),
        "mongol": ("mongol", "mongolian", "монгол", "моңғол", "蒙古族"),
        "han": ("han", "хань", "китаец", "китаянка", "қытай", "汉", "汉族"),
    },
    "citizenship": {
        "KZ": ("kz", "kazakhstan", "казахстан", "рк", "қазақстан", "қр"),
        "CN": ("cn", "china", "prc", "китай", "кнр", "қытай", "қхр", "中国"),
        "KG": ("kg", "kyrgyzstan", "кыргызстан", "киргизия", "қырғызстан"),
    },
    "status": {
        "detained": ("detained", "arrested", "задержан", "задержана", "арестован",
                     "арестована", "ұсталды", "ұсталған", "қамалған", "қамауда", "拘留"),
        "in_camp": ("in camp", "camp", "re education", "в лагере", "лагерь", "лагерде",
                    "лагерьде", "лагерге алынды", "教培", "再教育"),
        "sentenced": ("sentenced", "осужден", "осуждена", "осуждён", "сотталған", "сотталды",
                      "判刑"),
        "in_prison": ("in prison", "prison", "imprisoned", "в тюрьме", "тюрьма", "түрмеде",
                      "түрме", "监狱"),
        "released": ("released", "freed", "освобожден", "освобождена", "освобождён",
                     "отпущен", "отпущена", "босатылды", "босатылған", "释放"),
        "house_arrest": ("house arrest", "домашний арест", "под домашним арестом",
                         "үй қамағы", "үй қамағында"),
        "forced_labour": ("forced labour", "forced labor", "принудительный труд",
                          "мәжбүрлі еңбек", "强迫劳动"),
        "travel_banned": ("travel ban", "travel banned", "not allowed to leave",
                          "не выпускают", "запрет на выезд", "шығармайды", "шығуға тыйым"),
        "disappeared": ("disappeared", "missing", "пропал", "пропала", "пропал без вести",
                        "хабар ошарсыз", "жоғалған", "失踪"),
        "deceased": ("deceased", "died", "dead", "умер", "умерла", "погиб", "погибла",
                     "скончался", "скончалась", "қайтыс болды", "қаза тапты", "死亡"),
    },
    "relationship": {
        "spouse": ("spouse", "wife", "husband", "жена", "муж", "супруг", "супруга", "әйелі",
                   "күйеуі", "жұбайы", "妻子", "丈夫"),
        "parent": ("parent", "mother", "father", "мать", "отец", "мама", "папа", "анасы",
                   "әкесі", "母亲", "父亲"),
        "child": ("child", "son", "daughter", "сын", "дочь", "ұлы", "қызы", "баласы", "儿子",
                  "女儿"),
        "sibling": ("sibling", "brother", "sister", "брат", "сестра", "ағасы", "інісі",
                    "әпкесі", "апасы", "қарындасы", "сіңлісі", "бауыры", "哥哥", "弟弟",
                    "姐姐", "妹妹"),
        "other_relative": ("relative", "other relative", "родственник", "родственница",
                           "туысы", "туысқаны", "нағашысы", "жиені", "немересі"),
        "friend": ("friend", "друг", "подруга", "досы", "朋友"),
        "co_detainee": ("co detainee", "cellmate", "сокамерник", "бірге отырған"),
        "eyewitness": ("eyewitness", "witness", "свидетель", "куәгер", "куә"),
        "self": ("self", "himself", "herself", "сам", "сама", "өзі"),
    },
}  # fmt: skip
