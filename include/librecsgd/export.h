/* librecsgd - embeddable recommender library. SPDX-License-Identifier: BSD-2-Clause
 * export.h: symbol visibility and deprecation macros used by every public header. */
#ifndef LIBRECSGD_EXPORT_H
#define LIBRECSGD_EXPORT_H

#if defined(_WIN32)
#  if defined(RS_STATIC)
#    define RS_API
#  elif defined(RS_BUILDING_LIBRARY) && defined(DLL_EXPORT)
#    define RS_API __declspec(dllexport)
#  elif defined(RS_BUILDING_LIBRARY)
#    define RS_API
#  else
#    define RS_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define RS_API __attribute__((visibility("default")))
#else
#  define RS_API
#endif

#if defined(__GNUC__) && (__GNUC__ > 4 || (__GNUC__ == 4 && __GNUC_MINOR__ >= 5))
#  define RS_DEPRECATED(msg) __attribute__((deprecated(msg)))
#else
#  define RS_DEPRECATED(msg)
#endif

#endif /* LIBRECSGD_EXPORT_H */
