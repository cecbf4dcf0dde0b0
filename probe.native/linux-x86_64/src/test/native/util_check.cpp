// The shim's string copy (shim_util.h, copy_string) under AddressSanitizer and UBSan: for every
// length from 0 to 40, in strings kept inline and on the heap, it copies exactly the first n bytes
// and writes nothing after them. (A read past a string's bytes but inside libstdc++'s own buffer,
// which the copy once relied on, is no error to AddressSanitizer: the check is on what is written.)
#include "../../main/native/shim_util.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

int main() {
    int failures = 0;
    for (size_t len = 0; len <= 40; len++) {
        std::string s;
        for (size_t i = 0; i < len; i++) s.push_back(static_cast<char>('a' + i % 26));
        for (size_t n = 0; n <= len; n++) {
            uint8_t dst[64];
            memset(dst, 0xee, sizeof dst);
            kindling_probe::copy_string(dst, s, n);
            bool same = memcmp(dst, s.data(), n) == 0;
            bool untouched = true;
            for (size_t i = n; i < sizeof dst; i++) untouched &= dst[i] == 0xee;
            if (!same || !untouched) {
                printf("FAIL copy_string of %zu bytes of a %zu-byte string: %s\n", n, len,
                       !same ? "wrong bytes" : "wrote past them");
                failures++;
            }
        }
    }
    printf("%s: %d failed\n", failures ? "FAILED" : "PASSED", failures);
    return failures ? 1 : 0;
}
