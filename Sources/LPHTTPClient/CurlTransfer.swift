import CCurl
import Foundation

/// One attempt of one request on its own easy handle: options set, body streamed in, response
/// headers and body collected (bounded), the libcurl result mapped to `HTTPClientError`.
final class CurlTransfer {
    private let request: HTTPRequest
    private let options: HTTPClientOptions
    private var status = 0
    private var headers: [HTTPHeader] = []
    private var body: [UInt8] = []
    private var exceeded = false
    private var uploadBytes: [UInt8] = []
    private var uploadOffset = 0
    private var uploadFile: FileHandle?
    private var uploadFailed = false

    init(request: HTTPRequest, options: HTTPClientOptions) {
        self.request = request
        self.options = options
    }

    func perform() throws -> HTTPResponse {
        guard let handle = curl_easy_init() else { throw HTTPClientError(.transport, "libcurl could not start a transfer") }
        defer { curl_easy_cleanup(handle) }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        defer { try? uploadFile?.close() }

        let protocols = options.allowPlainHTTP ? "http,https" : "https"
        var strings: [(CURLoption, String)] = [
            (CURLOPT_URL, request.url), (CURLOPT_PROTOCOLS_STR, protocols), (CURLOPT_REDIR_PROTOCOLS_STR, "https"),
            (CURLOPT_USERAGENT, options.userAgent),
        ]
        if let ca = options.caBundlePath { strings.append((CURLOPT_CAINFO, ca)) }
        if !options.pinnedPublicKeys.isEmpty { strings.append((CURLOPT_PINNEDPUBLICKEY, options.pinnedPublicKeys.joined(separator: ";"))) }
        var longs: [(CURLoption, Int)] = [
            (CURLOPT_NOSIGNAL, 1), (CURLOPT_SSL_VERIFYPEER, 1), (CURLOPT_SSL_VERIFYHOST, 2),
            (CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2)),
            (CURLOPT_CONNECTTIMEOUT_MS, Int(options.connectTimeout * 1000)), (CURLOPT_TIMEOUT_MS, Int(options.totalTimeout * 1000)),
            (CURLOPT_FOLLOWLOCATION, options.followRedirects ? 1 : 0), (CURLOPT_MAXREDIRS, 5),
        ]
        // Without a body libcurl sends what the method implies; with one it streams it through
        // the read callback and declares its length.
        var uploadLength: Int64?
        switch request.body {
        case .none: break
        case .bytes(let bytes):
            uploadBytes = bytes
            uploadLength = Int64(bytes.count)
        case .file(let path):
            guard let file = FileHandle(forReadingAtPath: path) else {
                throw HTTPClientError(.upload, "cannot open the upload file \(path)")
            }
            uploadFile = file
            // The size of what was opened (a symbolic link's own size is not its file's).
            var info = stat()
            guard fstat(file.fileDescriptor, &info) == 0 else { throw HTTPClientError(.upload, "cannot size the upload file \(path)") }
            uploadLength = Int64(info.st_size)
        }
        switch (request.method, uploadLength) {
        case (.get, _): break
        case (.head, _): longs.append((CURLOPT_NOBODY, 1))
        case (.post, nil): longs += [(CURLOPT_POST, 1), (CURLOPT_POSTFIELDSIZE, 0)]
        case (.post, _): longs.append((CURLOPT_POST, 1))
        case (_, nil): strings.append((CURLOPT_CUSTOMREQUEST, request.method.rawValue))
        case (_, _):
            longs.append((CURLOPT_UPLOAD, 1))
            if request.method != .put { strings.append((CURLOPT_CUSTOMREQUEST, request.method.rawValue)) }
        }

        var failed = CURLE_OK
        func check(_ code: CURLcode) { if failed == CURLE_OK && code != CURLE_OK { failed = code } }
        for (option, value) in strings { check(lp_curl_set_string(handle, option, value)) }
        for (option, value) in longs { check(lp_curl_set_long(handle, option, value)) }
        if let uploadLength {
            let option = request.method == .post ? CURLOPT_POSTFIELDSIZE_LARGE : CURLOPT_INFILESIZE_LARGE
            check(lp_curl_set_offset(handle, option, curl_off_t(uploadLength)))
            check(lp_curl_set_callback(handle, CURLOPT_READFUNCTION, CurlCallbacks.read))
        }
        check(lp_curl_set_offset(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(options.maxResponseBytes)))
        // `Expect: 100-continue` costs a round trip and some servers mishandle it.
        for line in request.headers.map({ "\($0.name): \($0.value)" }) + ["Expect:"] {
            headerList = curl_slist_append(headerList, line)
        }
        check(lp_curl_set_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList)))
        let me = Unmanaged.passUnretained(self).toOpaque()
        for option in [CURLOPT_WRITEDATA, CURLOPT_HEADERDATA, CURLOPT_READDATA] { check(lp_curl_set_pointer(handle, option, me)) }
        check(lp_curl_set_callback(handle, CURLOPT_WRITEFUNCTION, CurlCallbacks.write))
        check(lp_curl_set_callback(handle, CURLOPT_HEADERFUNCTION, CurlCallbacks.header))
        guard failed == CURLE_OK else {
            throw HTTPClientError(.invalidRequest, "\(request.redactedURL): libcurl refused an option: \(String(cString: curl_easy_strerror(failed)))")
        }

        let result = errorBuffer.withUnsafeMutableBufferPointer { buffer -> CURLcode in
            _ = lp_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress)
            return curl_easy_perform(handle)
        }
        if result != CURLE_OK {
            let detail = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw error(for: result, detail: detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail)
        }
        var code = 0
        _ = lp_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return HTTPResponse(status: code, headers: headers, body: body)
    }

    private func error(for code: CURLcode, detail: String) -> HTTPClientError {
        let at = "\(request.method.rawValue) \(request.redactedURL)"
        switch code {
        case CURLE_FILESIZE_EXCEEDED:
            return HTTPClientError(.tooLarge, "\(at): the response is larger than \(options.maxResponseBytes) bytes")
        case CURLE_WRITE_ERROR where exceeded:
            return HTTPClientError(.tooLarge, "\(at): the response is larger than \(options.maxResponseBytes) bytes")
        case CURLE_READ_ERROR, CURLE_ABORTED_BY_CALLBACK:
            return HTTPClientError(uploadFailed ? .upload : .transport, "\(at): \(uploadFailed ? "reading the upload failed" : detail)")
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            return HTTPClientError(.connect, "\(at): \(detail)")
        case CURLE_OPERATION_TIMEDOUT:
            return HTTPClientError(.timeout, "\(at): \(detail)")
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            return HTTPClientError(.pinning, "\(at): the server's public key matches no pin")
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM,
             CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR:
            return HTTPClientError(.tls, "\(at): \(detail)")
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_TOO_MANY_REDIRECTS:
            return HTTPClientError(.invalidRequest, "\(at): \(detail)")
        case CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            return HTTPClientError(.transport, "\(at): \(detail)")
        default:
            return HTTPClientError(.transport, "\(at): \(detail)")
        }
    }

    // MARK: callbacks

    fileprivate func received(_ data: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
        guard body.count + count <= options.maxResponseBytes else {
            exceeded = true
            return 0
        }
        data.withMemoryRebound(to: UInt8.self, capacity: count) { body.append(contentsOf: UnsafeBufferPointer(start: $0, count: count)) }
        return count
    }

    fileprivate func receivedHeader(_ data: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
        let line = data.withMemoryRebound(to: UInt8.self, capacity: count) {
            String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
        }.trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            // A new response (after a 100 Continue or a redirect): its headers replace the last.
            headers = []
        } else if let colon = line.firstIndex(of: ":") {
            headers.append(HTTPHeader(String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
        }
        return count
    }

    fileprivate func upload(into buffer: UnsafeMutablePointer<CChar>, _ capacity: Int) -> Int {
        if let uploadFile {
            do {
                let chunk = try uploadFile.read(upToCount: capacity) ?? Data()
                chunk.copyBytes(to: UnsafeMutableRawBufferPointer(start: buffer, count: capacity).bindMemory(to: UInt8.self), count: chunk.count)
                return chunk.count
            } catch {
                uploadFailed = true
                return Int(CURL_READFUNC_ABORT)
            }
        }
        let count = min(capacity, uploadBytes.count - uploadOffset)
        guard count > 0 else { return 0 }
        uploadBytes.withUnsafeBufferPointer { source in
            UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + uploadOffset, byteCount: count)
        }
        uploadOffset += count
        return count
    }
}

/// The C callbacks libcurl calls; `userdata` is the `CurlTransfer` of the handle.
enum CurlCallbacks {
    static let write: lp_curl_data_callback = { data, size, count, userdata in
        guard let data, let userdata else { return 0 }
        return Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue().received(data, size * count)
    }

    static let header: lp_curl_data_callback = { data, size, count, userdata in
        guard let data, let userdata else { return 0 }
        return Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue().receivedHeader(data, size * count)
    }

    static let read: lp_curl_data_callback = { data, size, count, userdata in
        guard let data, let userdata else { return Int(CURL_READFUNC_ABORT) }
        return Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue().upload(into: data, size * count)
    }
}
