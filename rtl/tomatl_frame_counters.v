// tomatl_frame_counters: the frame bookkeeping of a generated top.
//
// Frames are delimited by beat counts: an input frame is IN_BEATS accepted
// input beats, an output frame OUT_BEATS delivered output beats. The module
// counts beats within the current input and output frame (the output count
// gives TLAST: `out_last` is high while the next output beat is the last of
// its frame), and for the AXI4-Lite status registers (tomatl_axil_status)
// the frames accepted, the frames delivered and the cycles since reset or
// the last `clear`, and `busy` (frames in flight).
//
// All outputs are registers or compares of registers; `clear` restarts the
// three status counters (not the beat counters, which keep the stream
// framing).
`default_nettype none

module tomatl_frame_counters #(
    parameter [31:0] IN_BEATS  = 32'd1,  // input beats per frame (>= 1)
    parameter [31:0] OUT_BEATS = 32'd1   // output beats per frame (>= 1)
) (
    input  wire        clk,
    input  wire        rst,
    // an input beat is accepted this cycle
    input  wire        in_fire,
    // an output beat is delivered this cycle
    input  wire        out_fire,
    // restart frames_in, frames_out and cycles (a CONTROL write)
    input  wire        clear,
    // the next output beat ends a frame
    output wire        out_last,
    output wire [31:0] frames_in,
    output wire [31:0] frames_out,
    output wire [63:0] cycles,
    // frames accepted and not yet delivered
    output wire        busy
);

    generate
        if (IN_BEATS < 32'd1 || OUT_BEATS < 32'd1) begin : g_illegal_beats
            tomatl_illegal_parameter_IN_BEATS_OUT_BEATS u_illegal ();
        end
    endgenerate

    localparam [31:0] IN_LAST = IN_BEATS - 32'd1;  // last input beat of a frame
    localparam [31:0] OUT_LAST = OUT_BEATS - 32'd1;  // last output beat of a frame

    reg  [31:0] in_beat_reg;  // input beats of the current frame
    reg  [31:0] out_beat_reg;  // output beats of the current frame
    reg  [31:0] frames_in_reg;
    reg  [31:0] frames_out_reg;
    reg  [63:0] cycles_reg;

    wire        in_last = (in_beat_reg == IN_LAST);

    assign out_last   = (out_beat_reg == OUT_LAST);
    assign frames_in  = frames_in_reg;
    assign frames_out = frames_out_reg;
    assign cycles     = cycles_reg;
    assign busy       = (frames_in_reg != frames_out_reg);

    always @(posedge clk) begin
        if (rst) begin
            in_beat_reg  <= 32'd0;
            out_beat_reg <= 32'd0;
        end else begin
            if (in_fire) begin
                in_beat_reg <= in_last ? 32'd0 : in_beat_reg + 32'd1;
            end
            if (out_fire) begin
                out_beat_reg <= out_last ? 32'd0 : out_beat_reg + 32'd1;
            end
        end
    end

    always @(posedge clk) begin
        if (rst || clear) begin
            frames_in_reg  <= 32'd0;
            frames_out_reg <= 32'd0;
            cycles_reg     <= 64'd0;
        end else begin
            cycles_reg <= cycles_reg + 64'd1;
            if (in_fire && in_last) begin
                frames_in_reg <= frames_in_reg + 32'd1;
            end
            if (out_fire && out_last) begin
                frames_out_reg <= frames_out_reg + 32'd1;
            end
        end
    end

endmodule

`default_nettype wire
