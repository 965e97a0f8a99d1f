// The opening process of the plain Win32 two-process example memview must work with:
// OpenFileMapping(FILE_MAP_ALL_ACCESS, FALSE, NAME) and MapViewOfFile. The wine tests use
// it as an independent peer that checks what memview wrote and writes for memview to see.
//
//   seed_opener NAME read OFFSET LENGTH        prints the bytes as hex
//   seed_opener NAME write OFFSET HEX          writes the bytes
//   seed_opener NAME wait OFFSET HEX SECONDS   exits 0 once the bytes equal HEX, 1 on timeout
#include <windows.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

static void ErrorHandler(const char* what) {
  std::fprintf(stderr, "seed_opener: %s (error %lu)\n", what, GetLastError());
  std::exit(1);
}

static std::vector<unsigned char> from_hex(const char* hex) {
  std::vector<unsigned char> out;
  for (size_t i = 0; hex[i] && hex[i + 1]; i += 2) {
    const char two[3] = {hex[i], hex[i + 1], 0};
    out.push_back(static_cast<unsigned char>(std::strtoul(two, nullptr, 16)));
  }
  return out;
}

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: seed_opener NAME read|write|wait OFFSET ARG [SECONDS]\n");
    return 2;
  }
  HANDLE hMapFile;
  LPVOID lpMapAddress;

  hMapFile = OpenFileMappingA(FILE_MAP_ALL_ACCESS,  // Read/write permission.
                              FALSE,                // Do not inherit the name
                              argv[1]);             // of the mapping object.
  if (hMapFile == NULL) {
    ErrorHandler("Could not open file-mapping object.");
  }

  lpMapAddress = MapViewOfFile(hMapFile,             // Handle to mapping object.
                               FILE_MAP_ALL_ACCESS,  // Read/write permission.
                               0,                    // Max. object size.
                               0,                    // Size of hFile.
                               0);                   // Map entire file.
  if (lpMapAddress == NULL) {
    ErrorHandler("Could not map view of file.");
  }

  volatile unsigned char* mem = static_cast<volatile unsigned char*>(lpMapAddress);
  const std::string op = argv[2];
  const size_t offset = std::strtoul(argv[3], nullptr, 0);
  int rc = 0;
  if (op == "read") {
    const size_t n = std::strtoul(argv[4], nullptr, 0);
    for (size_t i = 0; i < n; ++i) std::printf("%02x", mem[offset + i]);
    std::printf("\n");
  } else if (op == "write") {
    const std::vector<unsigned char> bytes = from_hex(argv[4]);
    for (size_t i = 0; i < bytes.size(); ++i) mem[offset + i] = bytes[i];
  } else if (op == "wait") {
    const std::vector<unsigned char> want = from_hex(argv[4]);
    const DWORD seconds = argc > 5 ? std::strtoul(argv[5], nullptr, 0) : 10;
    const DWORD start = GetTickCount();
    rc = 1;
    while (GetTickCount() - start < seconds * 1000) {
      bool same = true;
      for (size_t i = 0; i < want.size(); ++i) same = same && mem[offset + i] == want[i];
      if (same) {
        rc = 0;
        break;
      }
      Sleep(20);
    }
    for (size_t i = 0; i < want.size(); ++i) std::printf("%02x", mem[offset + i]);
    std::printf("\n");
  } else {
    std::fprintf(stderr, "seed_opener: unknown operation '%s'\n", op.c_str());
    rc = 2;
  }
  std::fflush(stdout);
  UnmapViewOfFile(lpMapAddress);
  CloseHandle(hMapFile);
  return rc;
}
