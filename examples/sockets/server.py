#!/usr/bin/env python3
# A socket-activated HTTP server, as systemd runs one: takes its listening socket from LISTEN_FDS
# (fd 3, checked against LISTEN_PID), says READY=1 on $NOTIFY_SOCKET when it serves, and on
# SIGTERM stops accepting, finishes the request in hand and exits. GET / answers its pid.
# argv[1] (optional): seconds to wait before READY=1, as a slow start.
import http.server, os, signal, socket, sys, threading, time

def notify(msg):
    addr = os.environ.get('NOTIFY_SOCKET')
    if not addr:
        return
    if addr.startswith('@'):
        addr = '\0' + addr[1:]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto(msg.encode(), addr)
    s.close()

if os.environ.get('LISTEN_PID') != str(os.getpid()):
    sys.exit('LISTEN_PID %r is not my pid %d' % (os.environ.get('LISTEN_PID'), os.getpid()))
n = int(os.environ['LISTEN_FDS'])
names = os.environ.get('LISTEN_FDNAMES', '').split(':')
print('LISTEN_FDS=%d LISTEN_FDNAMES=%s' % (n, ':'.join(names)), flush=True)
sock = socket.socket(fileno=3)

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ('%d\n' % os.getpid()).encode()
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass

server = http.server.HTTPServer(sock.getsockname(), Handler, bind_and_activate=False)
server.socket = sock
signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=server.shutdown).start())
if len(sys.argv) > 1:
    time.sleep(float(sys.argv[1]))
notify('READY=1\nSTATUS=serving on fd 3')
server.serve_forever(poll_interval=0.05)
notify('STOPPING=1')
