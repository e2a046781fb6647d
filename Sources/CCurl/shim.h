// libcurl for Swift. curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot
// call: these typed wrappers are the only way LPHTTPClient sets options and reads results.
#include <curl/curl.h>

typedef size_t (*lp_curl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);

static inline CURLcode lp_curl_set_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode lp_curl_set_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode lp_curl_set_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode lp_curl_set_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode lp_curl_set_callback(CURL *handle, CURLoption option, lp_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode lp_curl_get_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode lp_curl_global_init(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}
