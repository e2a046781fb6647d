# The example app's back end: a wasi:http proxy handler that componentize-py turns into a
# component (scripts/bench and the serving tests build it; docs/serve.md):
#   componentize-py -d ../shared/upstream/wasi-http-wit -w wasi:http/proxy componentize app -o app.wasm
# /api/hello answers 200 (500 when FAILING, the tests' broken release), /api/fail answers 500,
# anything else 404.
from wit_world import exports
from wit_world.imports.types import Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam
from componentize_py_types import Ok

FAILING = False


class IncomingHandler(exports.IncomingHandler):
    def handle(self, request: IncomingRequest, response_out: ResponseOutparam) -> None:
        path = (request.path_with_query() or "/").split("?", 1)[0]
        if path == "/api/fail" or (path == "/api/hello" and FAILING):
            status, body = 500, b'{"error":"failing on purpose"}\n'
        elif path == "/api/hello":
            status, body = 200, b'{"hello":"world"}\n'
        else:
            status, body = 404, b'{"error":"not found"}\n'
        response = OutgoingResponse(Fields.from_list([("content-type", b"application/json")]))
        response.set_status_code(status)
        out = response.body()
        ResponseOutparam.set(response_out, Ok(response))
        stream = out.write()
        stream.blocking_write_and_flush(body)
        stream.__exit__(None, None, None)
        OutgoingBody.finish(out, None)
