/* The demo producer's shared memory layout: what `memview --demo` shows and overlays.
 * A plain C header, as a real producer/consumer pair would share it. */
#ifndef MEMVIEW_DEMO_TELEMETRY_H
#define MEMVIEW_DEMO_TELEMETRY_H

#include <stdint.h>

#define TELEMETRY_MAGIC "MEMVIEW"
#define TELEMETRY_VERSION 1u
#define TELEMETRY_LOG_RECORDS 16
#define TELEMETRY_WAVE_SAMPLES 256

enum vehicle_state {
  VEHICLE_PARKED = 0,
  VEHICLE_DRIVING = 1,
  VEHICLE_CHARGING = 2,
  VEHICLE_FAULT = 3
};

struct vec3 {
  float x, y, z;
};

struct log_record {
  uint32_t seq;
  uint16_t level; /* 0 debug, 1 info, 2 warning, 3 error */
  uint16_t source_id;
  uint64_t timestamp_ns;
  char text[48];
};

struct telemetry {
  char magic[8]; /* "MEMVIEW" */
  uint32_t version;
  uint32_t producer_pid;
  uint64_t frame; /* increments on every update */
  uint64_t uptime_ns;
  double sim_time_s;

  struct vec3 position; /* metres */
  struct vec3 velocity; /* metres per second */
  float speed_kmh;
  float battery_pct;
  float motor_temp_c;
  int32_t motor_rpm;
  int16_t steering_deci_deg;
  uint8_t gear;
  uint8_t reserved0;
  enum vehicle_state state;

  struct {
    uint32_t headlights : 1;
    uint32_t brake : 1;
    uint32_t turn_left : 1;
    uint32_t turn_right : 1;
    uint32_t abs_active : 1;
    uint32_t : 3;
    uint32_t error_code : 8;
    uint32_t wheel_slip : 4;
  } flags;

  uint32_t counters[8]; /* counters[i] advances every 2^i updates */

  uint32_t log_head;  /* index of the next record to write */
  uint32_t log_count; /* records written so far */
  struct log_record log[TELEMETRY_LOG_RECORDS];

  int16_t wave[TELEMETRY_WAVE_SAMPLES]; /* a scrolling sine, for lots of live bytes */
  uint8_t scratch[256];                 /* left alone by the producer: free space to edit */
};

#endif
