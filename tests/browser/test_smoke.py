import pytest
from django.contrib.auth import get_user_model

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_and_see_the_customer_list(page, live_server):
    from tests.customers.factories import CustomerFactory

    get_user_model().objects.create_superuser("boss", "boss@example.com", "s3cret-pass")
    CustomerFactory(name="Acme Browsers")
    sign_in(page, "boss", "s3cret-pass")
    page.shots("signed-in")
    page.goto("/admin/customers/customer/")
    assert page.locator("#result_list").get_by_text("Acme Browsers").count() == 1
    page.shots("customer-list")
