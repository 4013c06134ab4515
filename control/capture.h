/* capture — `GET /v1/ports/NAME/capture`: a port's frames streamed as pcap.
 *
 * Design: the HTTP layer (api_http.c) hands a capture request to
 * capture_respond(), which compiles the tcpdump filter with libpcap
 * (pcap_open_dead + pcap_compile: classic BPF), starts a dataplane capture
 * (dataplane/capture.h: the workers run the filter, converted to eBPF, and
 * copy what matches into the capture's ring) and queues a streaming
 * response (MHD_create_response_from_callback, size unknown: chunked for an
 * HTTP/1.1 client, to the end of the connection for an HTTP/1.0 one).
 * libmicrohttpd calls the reader on the control thread's loop; it writes
 * the pcap header, then a record per captured frame; with nothing to send
 * it suspends the connection.  capture_run(), after each MHD_run(), resumes
 * a suspended stream when records wait, its port was destroyed, or its
 * client hung up (a suspended connection is not watched by MHD); while
 * streams run, capture_timeout_ms() makes the loop come back within 10 ms.
 * The stream ends after ?count frames or when the port goes; a client
 * that disconnects ends it too.  libmicrohttpd frees the response when the
 * connection is done with it: its free callback stops the dataplane
 * capture (the port's flag goes) and frees the stream.
 *
 * Everything here runs on the control thread.  Errors: 0 or a negative
 * errno, with the API error in a struct ctl_err.
 */
#ifndef VNETD_CONTROL_CAPTURE_H
#define VNETD_CONTROL_CAPTURE_H

#include "control/api_req.h"
#include "control/ctl.h"

struct MHD_Connection;
struct capture_srv;

struct capture_srv *capture_srv_create(void);
/* Starts the capture r asks for and queues its streaming response on conn;
 * on an error, nothing is queued and e says why (the caller replies). */
int capture_respond(struct capture_srv *s, struct ctl *c, struct MHD_Connection *conn,
		    const struct api_req *r, struct ctl_err *e);
int capture_timeout_ms(const struct capture_srv *s); /* -1: no stream runs */
void capture_run(struct capture_srv *s);
/* Before MHD_stop_daemon: resumes every stream (MHD must not be stopped
 * with suspended connections); the daemon's stop then frees them. */
void capture_srv_shutdown(struct capture_srv *s);
void capture_srv_free(struct capture_srv *s);

#endif
