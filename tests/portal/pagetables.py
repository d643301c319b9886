"""Reading the tables of rendered pages in tests, with nothing but the standard library."""

from html.parser import HTMLParser


class TableParser(HTMLParser):
    """The body rows of the table marked ``data-testid=<testid>``; each cell is its text
    pieces (text of nested elements included) joined by newlines."""

    def __init__(self, testid):
        super().__init__()
        self.testid = testid
        self.inside = self.in_body = False
        self.rows, self.cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("data-testid") == self.testid:
            self.inside = True
        elif self.inside and tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag == "td":
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.rows[-1].append("\n".join(p.strip() for p in self.cell if p.strip()))
            self.cell = None
        elif tag == "table" and self.inside:
            self.inside = self.in_body = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table_rows(html, testid):
    if isinstance(html, bytes):
        html = html.decode()
    parser = TableParser(testid)
    parser.feed(html)
    return parser.rows
