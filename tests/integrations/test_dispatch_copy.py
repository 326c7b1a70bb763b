"""integrations/api/base.py PlatformMixin.dispatch reproduces DRF's APIView.dispatch (so the
idempotency claim runs after authentication, permissions and throttling). If DRF changes its
dispatch, this test fails: re-read the new DRF dispatch, carry its changes into
PlatformMixin.dispatch / _run (request setup, `initial`, handler lookup, exception handling,
`finalize_response`), then update DRF_DISPATCH below to the new normalised source."""

import ast
import inspect
import textwrap

from rest_framework.views import APIView

# DRF 3.18's APIView.dispatch, docstring and comments dropped (see _normalised).
DRF_DISPATCH = """
def dispatch(self, request, *args, **kwargs):
    self.args = args
    self.kwargs = kwargs
    request = self.initialize_request(request, *args, **kwargs)
    self.request = request
    self.headers = self.default_response_headers
    try:
        self.initial(request, *args, **kwargs)
        if request.method.lower() in self.http_method_names:
            handler = getattr(self, request.method.lower(), self.http_method_not_allowed)
        else:
            handler = self.http_method_not_allowed
        response = handler(request, *args, **kwargs)
    except Exception as exc:
        response = self.handle_exception(exc)
    self.response = self.finalize_response(request, response, *args, **kwargs)
    return self.response
"""


def _normalised(source: str) -> str:
    """The code only: formatting, comments and the docstring do not count."""
    tree = ast.parse(textwrap.dedent(source))
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        function.body = body[1:]
    return ast.unparse(tree)


def test_drf_dispatch_still_matches_the_copy_in_integrations_api_base() -> None:
    installed = _normalised(inspect.getsource(APIView.dispatch))
    assert installed == _normalised(DRF_DISPATCH), (
        "DRF's APIView.dispatch changed: PlatformMixin.dispatch in integrations/api/base.py "
        "copies it. Re-check request setup, initial(), handler lookup, handle_exception and "
        "finalize_response there, then update DRF_DISPATCH in this test.\n" + installed
    )


def test_the_check_notices_a_change() -> None:
    changed = DRF_DISPATCH.replace("self.initial(", "self.initial_checks(")
    assert _normalised(changed) != _normalised(DRF_DISPATCH)
