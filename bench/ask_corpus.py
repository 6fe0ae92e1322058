"""A small course written for measuring "ask this course" (bench/ask_course.py) and for the
tests: ten lessons of a personal-finance course, two or three blocks each, and ten questions
in a student's own words, each with the (lesson, block) that answers it. Questions avoid the
passage's key words where a student would (they ask "stop spending more than I earn", the
lesson says "budget deficit")."""

LESSONS = [
    (
        "Making a budget",
        [
            (
                "rich_text",
                "<p>A budget lists your monthly income and every expense. When expenses exceed income you run a deficit: cut discretionary costs such as takeaways and subscriptions first.</p>",
            ),
            (
                "markdown",
                "## The 50/30/20 rule\n\nPut half of take-home pay to needs, thirty percent to wants and twenty percent to savings or paying off debt.",
            ),
        ],
    ),
    (
        "Emergency funds",
        [
            (
                "rich_text",
                "<p>An emergency fund is cash set aside for surprises like a car repair or losing your job. Aim for three to six months of essential expenses in an instant-access savings account.</p>",
            ),
            ("callout", {"style": "tip", "title": "Start small", "body": "<p>Even R200 a month builds the habit.</p>"}),
        ],
    ),
    (
        "Compound interest",
        [
            (
                "rich_text",
                "<p>Compound interest pays interest on previously earned interest, so money grows exponentially over time. The earlier you start saving, the more years of compounding you get.</p>",
            ),
            (
                "markdown",
                "The **rule of 72**: divide 72 by the annual rate to estimate how many years it takes to double your money.",
            ),
        ],
    ),
    (
        "Credit cards and debt",
        [
            (
                "rich_text",
                "<p>Credit card interest is charged on any balance not paid in full by the due date. Paying only the minimum keeps you in debt for years.</p>",
            ),
            (
                "rich_text",
                "<p>The avalanche method pays extra on the debt with the highest interest rate first; the snowball method clears the smallest balance first for motivation.</p>",
            ),
        ],
    ),
    (
        "Credit scores",
        [
            (
                "rich_text",
                "<p>A credit score summarises how reliably you repay loans. Lenders use it to decide whether to lend and at what rate. Paying accounts on time and keeping utilisation low raise it.</p>",
            ),
        ],
    ),
    (
        "Retirement annuities",
        [
            (
                "rich_text",
                "<p>A retirement annuity is a tax-advantaged investment for later life. Contributions are deductible from taxable income up to a limit, and the money is locked in until age 55.</p>",
            ),
        ],
    ),
    (
        "Index funds and ETFs",
        [
            (
                "rich_text",
                "<p>An index fund or exchange-traded fund tracks a whole market index instead of picking shares, which gives diversification at low fees.</p>",
            ),
            ("markdown", "Lower fees matter: a 2% annual fee can consume a third of your returns over thirty years."),
        ],
    ),
    (
        "Inflation",
        [
            (
                "rich_text",
                "<p>Inflation is the general rise in prices, which erodes the purchasing power of cash over time. A savings rate below inflation loses real value.</p>",
            ),
        ],
    ),
    (
        "Insurance basics",
        [
            (
                "rich_text",
                "<p>Insurance transfers the risk of a large loss to an insurer in exchange for a premium. The excess is the amount you pay yourself before the insurer pays a claim.</p>",
            ),
        ],
    ),
    (
        "Income tax",
        [
            (
                "rich_text",
                "<p>Income tax is charged in brackets: each portion of income is taxed at its bracket's rate, so a raise never lowers your take-home pay. Your employer deducts PAYE from your salary every month.</p>",
            ),
        ],
    ),
]

# (question, lesson title, index of the answering block in that lesson)
QUESTIONS = [
    ("What should I do when I keep spending more than I earn each month?", "Making a budget", 0),
    ("How much cash should I keep aside in case I lose my job?", "Emergency funds", 0),
    ("How long until my savings double?", "Compound interest", 1),
    ("Which loan should I pay off first?", "Credit cards and debt", 1),
    ("Why do banks care about my repayment history?", "Credit scores", 0),
    ("Is saving for retirement tax deductible?", "Retirement annuities", 0),
    ("Why buy the whole market instead of choosing shares?", "Index funds and ETFs", 0),
    ("Why is leaving money under the mattress a bad idea when prices go up?", "Inflation", 0),
    ("What is the amount I pay before the insurer covers a claim?", "Insurance basics", 0),
    ("Could a salary increase put me in a higher bracket and leave me with less?", "Income tax", 0),
]


def build_course(*, title: str = "Money matters", instructor=None):
    """The course as live pages (tests.factories.make_course), passages synced and embedded."""
    from coursepages.embeddings import passages_embed
    from coursepages.passages import passages_rebuild
    from tests.factories import make_course

    course = make_course(
        title=title,
        instructor=instructor,
        sections=[("Personal finance", [(name, blocks, {}) for name, blocks in LESSONS])],
    )
    passages_rebuild(course=course)
    passages_embed()
    return course


def expected_block_ids(course) -> list[tuple[str, str]]:
    """(question, block id) for each question."""
    lessons = {lesson.title: lesson for lesson in course.lessons()}
    return [(q, lessons[name].body[index].id) for q, name, index in QUESTIONS]
