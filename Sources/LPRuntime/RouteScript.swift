/// The njs module nginx routes with: the project's rule (`RoutingRule`) computed per request.
/// bucket = first 4 bytes of SHA-256(key) as a big-endian u32, mod 100; the candidate iff
/// bucket < weight. The key is the `X-LP-Route-Key` header, or the request path (`$uri`, decoded,
/// without the query) when the header is missing or empty, as `x07lp route --path` does.
/// The health probe asks for one slot with `X-LP-Probe: <probe token>:<slot>`.
enum RouteScript {
    static let text = """
    // Written by `x07lp serve`; see Sources/LPRuntime/RouteScript.swift.
    var crypto = require('crypto');

    function bucket(key) {
        var d = crypto.createHash('sha256').update(key).digest();
        // Multiplication, not <<, for the top byte: JavaScript shifts are signed 32-bit.
        return (d[0] * 16777216 + d[1] * 65536 + d[2] * 256 + d[3]) % 100;
    }

    function probed(r) {
        var asked = r.headersIn['X-LP-Probe'];
        var token = r.variables.lp_probe_token;
        if (!asked || !token) { return ''; }
        if (asked === token + ':stable') { return 'stable'; }
        if (asked === token + ':candidate') { return 'candidate'; }
        return '';
    }

    function probe(r) { return probed(r) ? '1' : ''; }

    function slot(r) {
        var asked = probed(r);
        if (asked) { return asked; }
        var key = r.headersIn['X-LP-Route-Key'];
        if (!key) { key = r.uri; }
        return bucket(key) < Number(r.variables.lp_weight) ? 'candidate' : 'stable';
    }

    function revision(r) { return r.variables['lp_rev_' + r.variables.lp_slot]; }

    function index(r) { return r.variables['lp_index_' + r.variables.lp_slot]; }

    // '1' when the path is under the chosen slot's api_prefix (the back end's routes).
    function api(r) {
        var prefix = r.variables['lp_api_' + r.variables.lp_slot];
        return prefix && r.uri.indexOf(prefix) === 0 ? '1' : '';
    }

    // The chosen slot's back end (127.0.0.1:port), '' when it has none.
    function backend(r) { return r.variables['lp_backend_' + r.variables.lp_slot]; }

    // The pack's headers for the file served (after try_files, r.uri is that file's path).
    function headers(r) {
        var byPath = lp_headers[r.variables.lp_revision];
        var list = byPath ? byPath[r.uri] : undefined;
        if (!list) { return; }
        for (var i = 0; i < list.length; i++) { r.headersOut[list[i][0]] = list[i][1]; }
    }

    export default {slot, revision, index, probe, api, backend, headers};

    """
}
