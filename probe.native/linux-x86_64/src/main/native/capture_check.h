/*
 * Kindling Probe for OSGi - structural check of a capture file before libsinsp parses it.
 *
 * libsinsp trusts the parameter lengths written in each event: an event whose lengths
 * point past its end makes libsinsp's parsers read wild memory and crash (sysdig -r
 * crashes on such files too), which no C++ catch can stop. The shim therefore reads a
 * capture file once with libscap alone, without parsing, and finds the first event that
 * is structurally unsafe; the shim then stops before libsinsp reaches that event.
 */
#ifndef KINDLING_CAPTURE_CHECK_H
#define KINDLING_CAPTURE_CHECK_H

#include <stdint.h>

#include <string>

namespace kindling_probe {

struct capture_check_result {
    /* Index (0-based, in file order) of the first unsafe event, or -1 if none. */
    int64_t first_bad_event = -1;
    /* Why that event is unsafe (empty when first_bad_event is -1). */
    std::string reason;
    /* Events that libscap read before it stopped (end of file or a read error). */
    int64_t events_checked = 0;
};

/* Never throws. If libscap cannot open or read the file, the result reports no unsafe
 * event: libsinsp will then report the same read error itself. */
capture_check_result check_capture_file(const char* path) noexcept;

}  // namespace kindling_probe

#endif /* KINDLING_CAPTURE_CHECK_H */
