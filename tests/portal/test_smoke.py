def test_login_page_renders_in_chinese(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "区域党建信息平台" in response.content.decode()


def test_home_requires_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_pages_render_for_district_admin(client_for, users, district):
    client = client_for(users["admin"])
    org = district["a_branch"]
    for url in [
        "/",
        "/regions/",
        f"/regions/{district['a'].pk}/",
        f"/regions/{district['a'].pk}/history/",
        "/organizations/",
        "/organizations/tree/",
        f"/organizations/tree/{district['root'].pk}/",
        f"/organizations/{org.pk}/",
        f"/organizations/{org.pk}/history/",
        f"/organizations/{org.pk}/edit/",
        "/organizations/add/",
        "/organizations/import/",
        "/organizations/positions/",
        "/audit/",
        "/accounts/tokens/",
        "/regional/",
        "/grids/",
        "/grids/mine/",
        "/grids/map/",
        "/grids/cases/",
        "/grids/wishes/",
        "/grids/visits/",
        "/grids/visits/coverage/",
        "/members/",
        "/members/add/",
        "/api/docs/",
        "/api/schema/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url


def test_large_relations_use_the_scoped_autocomplete_widget(client_for, users, district):
    from tests.conftest import add_branches

    add_branches(district["a_general"], 250, "AC", "自动补全")
    page = client_for(users["operator_a"]).get("/organizations/add/").content.decode()
    assert 'class="autocomplete position-relative"' in page
    assert 'data-url="/autocomplete/organizations.organization/"' in page
    # only the current choice is rendered, not 250 options
    assert page.count("<option") < 50
    edit = client_for(users["operator_a"]).get(f"/organizations/{district['a_branch'].pk}/edit/")
    assert edit.status_code == 200
    assert "上海新村居民区党总支" in edit.content.decode()  # the current parent is shown
