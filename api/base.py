"""LecternAPI: the NinjaAPI with the conventions of docs/api.md built in.

Request bodies are JSON objects: any other JSON value is a 400 (Ninja would otherwise read
the fields of an all-optional schema off a list or a number and find none).

The OpenAPI document states the refusals the framework itself gives, on every operation
that can get them, so clients (and the schemathesis run in tests/api) can rely on it:

- 400 `invalid` with `errors` — any operation with parameters or a body (input validation);
- 401 `not_authenticated` — any operation that needs a signed-in user;
- 404 `not_found` — any operation with a path parameter (the object is not there, or not yours);
- 429 `rate_limited` — any operation that needs a signed-in user (the per-user API limit).

Refusals particular to an endpoint (402, 403, 409, ...) are declared on the endpoint."""

from ninja import NinjaAPI
from ninja.parser import Parser

from .errors import ErrorOut, InvalidOut

REF_TEMPLATE = "#/components/schemas/{model}"
SCHEMAS = {400: InvalidOut}  # the others are ErrorOut
DESCRIPTIONS = {
    400: "Bad input: `errors` says which field and why.",
    401: "Not signed in, or the access token is invalid or expired.",
    404: "Not found.",
    429: "Too many requests: wait for the number of seconds in Retry-After.",
}
METHODS = ("get", "put", "post", "patch", "delete")


def _error_response(status: int) -> dict:
    ref = {"$ref": REF_TEMPLATE.format(model=SCHEMAS.get(status, ErrorOut).__name__)}
    response = {"description": DESCRIPTIONS[status], "content": {"application/json": {"schema": ref}}}
    if status == 429:
        response["headers"] = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}
    return response


def common_errors(operation: dict) -> list[int]:
    """The framework refusals an operation (as in the OpenAPI document) can answer with."""
    statuses = []
    parameters = operation.get("parameters", [])
    if parameters or "requestBody" in operation:
        statuses.append(400)
    if operation.get("security"):
        statuses += [401, 429]
    if any(parameter.get("in") == "path" for parameter in parameters):
        statuses.append(404)
    return statuses


class JsonObjectParser(Parser):
    def parse_body(self, request):
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("The body must be a JSON object.")
        return data


class LecternAPI(NinjaAPI):
    def __init__(self, **kwargs):
        kwargs.setdefault("parser", JsonObjectParser())
        super().__init__(**kwargs)

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (ErrorOut, InvalidOut):
            components.setdefault(model.__name__, model.model_json_schema(ref_template=REF_TEMPLATE))
        for methods in schema.get("paths", {}).values():
            for method, operation in methods.items():
                if method not in METHODS:
                    continue
                responses = operation.setdefault("responses", {})
                for status in common_errors(operation):
                    responses.setdefault(status, _error_response(status))
        return schema
