"""GLSL sources of the raster backend: lit, instanced scene geometry and the overlay sprites."""

SCENE_VS = """
#version 330
uniform sampler2D tiles;    // per tile: 4 texels = columns of clip_from_world, 1 texel = ndc scale.xy, offset.zw
uniform vec3 light;
uniform vec2 shade;         // ambient, diffuse
in vec3 in_position;
in vec3 in_normal;
in vec3 in_color;
in vec4 in_m0;              // rows of the 3x4 object matrix
in vec4 in_m1;
in vec4 in_m2;
in vec4 in_tint;            // rgb tint, w = tile index
out vec3 v_color;
void main() {
    vec4 p = vec4(in_position, 1.0);
    vec3 world = vec3(dot(in_m0, p), dot(in_m1, p), dot(in_m2, p));
    int t = int(in_tint.w + 0.5);
    mat4 clip_from_world = mat4(texelFetch(tiles, ivec2(0, t), 0), texelFetch(tiles, ivec2(1, t), 0),
                                texelFetch(tiles, ivec2(2, t), 0), texelFetch(tiles, ivec2(3, t), 0));
    vec4 rect = texelFetch(tiles, ivec2(4, t), 0);
    vec4 c = clip_from_world * vec4(world, 1.0);
    gl_ClipDistance[0] = c.w - c.x;
    gl_ClipDistance[1] = c.w + c.x;
    gl_ClipDistance[2] = c.w - c.y;
    gl_ClipDistance[3] = c.w + c.y;
    gl_Position = vec4(c.xy * rect.xy + rect.zw * c.w, c.z, c.w);
    mat3 rows = mat3(in_m0.xyz, in_m1.xyz, in_m2.xyz);   // = transpose(A) for the linear part A
    vec3 n = normalize(inverse(rows) * in_normal);        // inverse-transpose of A
    float lambert = abs(dot(n, light));
    v_color = clamp(in_color * in_tint.rgb * (shade.x + shade.y * lambert), 0.0, 1.0);
}
"""

SCENE_FS = """
#version 330
in vec3 v_color;
out vec4 frag_color;
void main() { frag_color = vec4(v_color, 1.0); }
"""

OVERLAY_VS = """
#version 330
uniform vec2 target_size;
uniform sampler2D tiles;    // as in SCENE_VS: texel 4 of row t = the tile's ndc half size.xy, centre.zw
in vec2 in_xy;
in vec2 in_uv;              // a sprite's texture coordinates; solid colour: u = -1 - tile slot, v = -1
in vec4 in_rgba;
out vec2 v_uv;
out vec4 v_rgba;
void main() {
    vec2 ndc = in_xy / target_size * 2.0 - 1.0;
    gl_Position = vec4(ndc, 0.0, 1.0);
    vec4 d = vec4(1.0);     // sprites are placed inside their view: never clipped
    if (in_uv.y < 0.0) {    // solid primitives stay inside their tile, as Pillow clips at the image's edge
        vec4 rect = texelFetch(tiles, ivec2(4, int(-in_uv.x - 0.5)), 0);
        d = vec4(ndc - (rect.zw - rect.xy), (rect.zw + rect.xy) - ndc);
    }
    gl_ClipDistance[0] = d.x;
    gl_ClipDistance[1] = d.y;
    gl_ClipDistance[2] = d.z;
    gl_ClipDistance[3] = d.w;
    v_uv = in_uv.y < 0.0 ? vec2(-1.0) : in_uv;
    v_rgba = in_rgba;
}
"""

OVERLAY_FS = """
#version 330
uniform sampler2D sprites;
in vec2 v_uv;
in vec4 v_rgba;
out vec4 frag_color;
void main() { frag_color = v_uv.x < 0.0 ? v_rgba : texture(sprites, v_uv); }
"""
