"""The portal is Chinese whatever the browser asks for: an English-language browser gets
Chinese dates and Django's own messages in Chinese, not a page of mixed languages."""

from datetime import date

from tests.members.conftest import make_id_number, make_member


def test_an_english_browser_gets_a_chinese_page(client_for, users, district):
    member = make_member(district["a_branch"], "语言甲", make_id_number(date(1980, 2, 3), 71))
    client = client_for(users["admin"])
    html = client.get(f"/members/{member.pk}/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = html.content.decode()
    assert "1980年2月3日" in html and "Feb." not in html
    response = client.post("/members/add/", {}, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = response.content.decode()
    assert "该字段是必填项" in body and "This field is required" not in body
