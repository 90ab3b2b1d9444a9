/* appinit-sysv-shm.node: an ArrayBuffer over an attached System V segment that can be detached.
 *
 * Why an addon: shmdt unmaps the memory, and a JS view still pointing there would kill the process
 * with SIGSEGV. koffi's views cannot be detached (Node marks them untransferable), so this addon
 * makes the ArrayBuffer with napi_create_external_arraybuffer and detaches it (napi_detach_
 * arraybuffer) before appinit/sysv calls shmdt: every Buffer over it then has length 0, so methods
 * with an offset throw RangeError and no read can reach the unmapped memory.
 * Built only when Node's headers are installed; without it appinit/sysv defers shmdt until no view
 * is reachable (garbage collected). */
#include <node_api.h>
#include <stdint.h>

static napi_value view(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  int64_t addr = 0, len = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_int64(env, argv[0], &addr) != napi_ok || napi_get_value_int64(env, argv[1], &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "view(address, length)");
    return NULL;
  }
  if (napi_create_external_arraybuffer(env, (void *)(uintptr_t)addr, (size_t)len, NULL, NULL, &out) != napi_ok) {
    napi_throw_error(env, NULL, "cannot make an external ArrayBuffer here");
    return NULL;
  }
  return out;
}

static napi_value detach(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_detach_arraybuffer(env, argv[0]) != napi_ok) {
    napi_throw_error(env, NULL, "cannot detach this ArrayBuffer");
    return NULL;
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor p[] = {
    { "view", NULL, view, NULL, NULL, NULL, napi_default, NULL },
    { "detach", NULL, detach, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, 2, p);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
